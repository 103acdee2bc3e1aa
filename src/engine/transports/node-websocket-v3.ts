// `ws` WebSocket transport (node:http backend) for Engine.IO v3 sessions (Socket.IO v2
// clients, `allowEIO3`): binary frames carry the packet type as their first byte, and a
// client that asked for `b64=1` exchanges binary data as "b4<base64>" text frames instead.
import createDebug from "debug";
import type { WebSocket as WsSocket, RawData as WsRawData } from "ws";
import type { EngineParseError, Packet } from "../../parser/engine-io";
import { decodeBinaryPacketV3, decodeTextPacketV3, encodePacketV3 } from "../../parser/engine-io/v3";
import { NodeWebSocketOptions, NodeWebSocketTransport, toBuffer } from "./node-websocket";

const debug = createDebug("hyperio:engine:node-websocket-v3");

export class NodeWebSocketTransportV3 extends NodeWebSocketTransport {
  constructor(
    ws: WsSocket,
    opts: NodeWebSocketOptions,
    /** From the WebSocket request: false when it carried `b64`. */
    private readonly supportsBinary: boolean,
  ) {
    super(ws, opts);
  }

  protected override onFrame(data: WsRawData, isBinaryFrame: boolean): void {
    let packet: Packet;
    try {
      const bytes = toBuffer(data);
      packet = isBinaryFrame ? decodeBinaryPacketV3(bytes) : decodeTextPacketV3(bytes.toString("utf8"));
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
}
