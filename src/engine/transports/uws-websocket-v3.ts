// uWS WebSocket transport for Engine.IO v3 sessions (Socket.IO v2 clients, `allowEIO3`).
// Text frames are as in v4; a binary frame carries the packet type as its first byte, and a
// client that asked for `b64=1` exchanges binary data as "b4<base64>" text frames instead.
//
// Invariant: a v3 session never subscribes to uWS topics. A publish hands every subscriber
// the same v4-framed bytes, which a v3 client would misread (a binary attachment without
// its type byte); the adapter writes to these sessions one by one, like polling ones.
import createDebug from "debug";
import type { EngineParseError, Packet } from "../../parser/engine-io";
import { decodeBinaryPacketV3, decodeTextPacketV3, encodePacketV3 } from "../../parser/engine-io/v3";
import { UwsWebSocketOptions, UwsWebSocketTransport } from "./uws-websocket";

const debug = createDebug("hyperio:engine:uws-websocket-v3");

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

export class UwsWebSocketTransportV3 extends UwsWebSocketTransport {
  constructor(
    opts: UwsWebSocketOptions,
    /** From the WebSocket request: false when it carried `b64`. */
    private readonly supportsBinary: boolean,
  ) {
    super(opts);
  }

  override onMessage(message: ArrayBuffer, isBinaryFrame: boolean): void {
    let packet: Packet;
    try {
      // Copied out of uWS memory, which is neutered when the handler returns.
      packet = isBinaryFrame
        ? decodeBinaryPacketV3(Buffer.from(Buffer.from(message)))
        : decodeTextPacketV3(utf8.decode(message));
    } catch (err) {
      debug("bad frame: %s", (err as EngineParseError).code);
      this.onError("parse error", err, true);
      return;
    }
    this.onPacket(packet);
  }

  protected override encodeFrame(packet: Packet): string | Buffer {
    return encodePacketV3(packet, this.supportsBinary);
  }

  override get tracksTopics(): boolean {
    return false;
  }

  override publishFromSelf(): boolean {
    return false;
  }
}
