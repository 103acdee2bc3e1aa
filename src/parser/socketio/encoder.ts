// The upstream-shaped Encoder class: a thin facade over encode.ts.
import { carriesBinary, encodeAsString, encodeBinaryInto, encodeOnce, EncodedPacket } from "./encode";
import type { Binary, Packet, Replacer } from "./packet";

/**
 * Encodes packets exactly as `socket.io-parser`'s Encoder does: an array whose first item is
 * the packet text, followed by the binary attachments (the caller's own objects) if any.
 *
 * @example
 * const encoder = new Encoder();
 * encoder.encode({ type: PacketType.EVENT, nsp: "/", data: ["chat", "hi"] }); // ['2["chat","hi"]']
 * encoder.encode({ type: PacketType.EVENT, nsp: "/", data: ["f", Buffer.of(1)] });
 * // ['51-["f",{"_placeholder":true,"num":0}]', <Buffer 01>]
 */
export class Encoder {
  /** @param replacer passed to JSON.stringify for every packet. */
  constructor(private readonly replacer?: Replacer) {
    if (replacer !== undefined && typeof replacer !== "function") {
      throw new TypeError("Encoder: option `replacer` must be a function");
    }
  }

  encode(packet: Packet): Array<string | Binary> {
    // Text-only packets (most events and acks) are one array and one text: no scratch
    // array to collect attachments into, no unshift (the echo path encodes one per ack).
    if (!carriesBinary(packet)) return [encodeAsString(packet, this.replacer)];
    const out: Array<string | Binary> = [];
    const text = encodeBinaryInto(packet, this.replacer, out as Binary[]);
    out.unshift(text);
    return out;
  }

  /**
   * hyperio extension: the broadcast fast path (`encodeOnce`) with this encoder's replacer.
   * Code that may hold another parser's Encoder (msgpack) can test for this method and fall
   * back to `encode`.
   *
   * @example
   * const { text, attachments } = encoder.encodeOnce({ type: PacketType.EVENT, nsp: "/", data: ["tick", 1] });
   */
  encodeOnce(packet: Packet): EncodedPacket {
    return encodeOnce(packet, this.replacer);
  }
}
