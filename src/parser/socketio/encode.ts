// Packet → wire text (+ attachments). The single implementation behind both `Encoder#encode`
// (upstream's interface) and `encodeOnce` (the broadcast fast path), so the two can never
// disagree on bytes.
//
// Text layout: <type>[<attachments>-][<nsp>,][<ack id>][<JSON data>], where the namespace
// is written only when it is not "/". Output is byte-identical to socket.io-parser 4.x,
// quirks included (an `undefined` from JSON.stringify is appended as the text "undefined").
import { deconstruct } from "./deconstruct";
import { SocketIOParseError, SocketIOParseErrorCode } from "./errors";
import { hasBinary } from "./is-binary";
import { Binary, Packet, PacketType, Replacer } from "./packet";
import { stringifyData } from "./stringify-data";

/** One packet encoded once: the text frame and its binary attachments, in order. */
export interface EncodedPacket {
  /** The Socket.IO text (without the Engine.IO `4` message prefix). */
  text: string;
  /** Binary attachments to send, in order, right after `text`. Empty for text-only packets. */
  attachments: readonly Buffer[];
}

const NO_ATTACHMENTS: readonly Buffer[] = Object.freeze([]);

/**
 * Encodes `packet` as text without looking for binary data: what upstream calls
 * `encodeAsString`. BINARY_* packets get their `attachments` count written as given.
 *
 * @example
 * encodeAsString({ type: PacketType.ACK, nsp: "/chat", id: 3, data: ["ok"] }) // '3/chat,3["ok"]'
 */
export function encodeAsString(packet: Packet, replacer?: Replacer): string {
  const type = packet.type;
  let text = "" + type;
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
    text += packet.attachments + "-";
  }
  const nsp = packet.nsp;
  if (nsp && nsp !== "/") text += nsp + ",";
  if (packet.id != null) text += packet.id;
  if (packet.data != null) text += stringifyData(packet.data, replacer);
  return text;
}

/**
 * Encodes `packet`, pushing binary attachments (as found in the data, not copied) onto `out`
 * and returning the text. EVENT / ACK packets holding binary data become BINARY_EVENT /
 * BINARY_ACK with placeholders, as upstream does. The packet is never modified.
 */
export function encodeInto(packet: Packet, replacer: Replacer | undefined, out: Binary[]): string {
  return carriesBinary(packet) ? encodeBinaryInto(packet, replacer, out) : encodeAsString(packet, replacer);
}

/** encodeInto for a packet that carriesBinary: placeholders in the text, buffers onto `out`. */
export function encodeBinaryInto(packet: Packet, replacer: Replacer | undefined, out: Binary[]): string {
  const data = deconstruct(packet.data, out);
  return encodeAsString(
    {
      type: packet.type === PacketType.EVENT ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK,
      nsp: packet.nsp,
      data,
      id: packet.id,
      attachments: out.length,
    },
    replacer,
  );
}

/** Whether encodeInto would send `packet` as BINARY_EVENT / BINARY_ACK (binary data in it). */
export function carriesBinary(packet: Packet): boolean {
  const type = packet.type;
  return (type === PacketType.EVENT || type === PacketType.ACK) && packetHasBinary(packet);
}

/**
 * Upstream asks `hasBinary(packet)`, which searches every own key of the packet object. The
 * usual keys hold a number and a string, so check `data` first and only then any extra keys.
 */
function packetHasBinary(packet: Packet): boolean {
  if (hasBinary(packet.data)) return true;
  for (const key in packet) {
    if (key === "data" || key === "type" || key === "nsp" || key === "id") continue;
    if (Object.prototype.hasOwnProperty.call(packet, key)) {
      if (hasBinary((packet as unknown as Record<string, unknown>)[key])) return true;
    }
  }
  return false;
}

/**
 * The broadcast fast path: encodes `packet` once into text plus Buffer attachments, so the
 * very same bytes can be written to every recipient. Attachments are zero-copy Buffer views
 * of the caller's ArrayBuffers / typed arrays.
 *
 * @throws SocketIOParseError `SIO_UNSUPPORTED_ATTACHMENT` when the data holds a Blob, which
 *   cannot be read synchronously (pass a Buffer instead).
 * @example
 * const { text, attachments } = encodeOnce({ type: PacketType.EVENT, nsp: "/", data: ["chat", "hi"] });
 * // text === '2["chat","hi"]', attachments.length === 0
 * for (const s of sockets) { s.send("4" + text); for (const a of attachments) s.send(a); }
 */
export function encodeOnce(packet: Packet, replacer?: Replacer): EncodedPacket {
  const found: Binary[] = [];
  const text = encodeInto(packet, replacer, found);
  if (found.length === 0) return { text, attachments: NO_ATTACHMENTS };
  const attachments = new Array<Buffer>(found.length);
  for (let i = 0; i < found.length; i++) attachments[i] = toBuffer(found[i]!);
  return { text, attachments };
}

/** Views a binary value as a Buffer without copying. */
function toBuffer(value: Binary): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new SocketIOParseError(
    SocketIOParseErrorCode.UNSUPPORTED_ATTACHMENT,
    "cannot encode a Blob attachment synchronously; pass a Buffer, ArrayBuffer or typed array",
  );
}
