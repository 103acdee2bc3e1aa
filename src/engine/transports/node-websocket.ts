// WebSocket transport on a `ws` WebSocket (node:http backend).
//
// Invariants: `writable` is false from a send until `ws` reports the last frame written (as
// upstream's transport); the session keeps handing packets over meanwhile (ws queues in
// order and never refuses), and after each batch `buffered` / `largestBuffered` tell the
// session how far behind its reader is (the session applies the outgoing cap, socket.ts).
import createDebug from "debug";
import type { WebSocket as WsSocket, RawData as WsRawData } from "ws";
import { decodePacket, encodePacket, EngineParseError, Packet } from "../../parser/engine-io";
import { Transport } from "../transport";

const debug = createDebug("hyperio:engine:node-websocket");

export interface NodeWebSocketOptions {
  maxBufferedBytes: number;
  compressThreshold: number | false;
}

export function toBuffer(data: WsRawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class NodeWebSocketTransport extends Transport {
  readonly name = "websocket" as const;
  readonly buffersInternally = true;
  private pendingWrites = 0;

  constructor(
    private readonly ws: WsSocket,
    private readonly opts: NodeWebSocketOptions,
  ) {
    super();
    this.writable = true;
    this.canSend = true;
    ws.on("message", (data: WsRawData, isBinaryFrame: boolean) => this.onFrame(data, isBinaryFrame));
    ws.once("close", () => this.onClose());
    ws.on("error", (err: Error) => this.onError("websocket error", err));
  }

  protected onFrame(data: WsRawData, isBinaryFrame: boolean): void {
    let packet: Packet;
    try {
      packet = isBinaryFrame ? { type: "message", data: toBuffer(data) } : decodePacket(toBuffer(data).toString("utf8"));
    } catch (err) {
      debug("bad frame: %s", (err as EngineParseError).code);
      this.onError("parse error", err, true);
      return;
    }
    this.onPacket(packet);
  }

  override bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(packets: Packet[]): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.writable = false;
    let largest = this.largestBuffered;
    for (const packet of packets) {
      const data = this.encodeFrame(packet);
      const threshold = this.opts.compressThreshold;
      const compress = threshold !== false && packet.options?.compress !== false && data.length >= threshold;
      if (data.length > largest) largest = data.length;
      this.pendingWrites++;
      this.ws.send(data, { binary: typeof data !== "string", compress }, (err) => this.onWritten(err));
    }
    this.largestBuffered = largest;
    this.buffered = this.ws.bufferedAmount;
  }

  protected idle(): boolean {
    return this.pendingWrites === 0 && this.readyState === "open";
  }

  /** One packet as a WebSocket message (the v3 transport frames binary differently). */
  protected encodeFrame(packet: Packet): string | Buffer {
    return encodePacket(packet, true);
  }

  private onWritten(err: Error | undefined | null): void {
    this.pendingWrites--;
    if (err) {
      this.onError("write error", err);
      return;
    }
    if (this.pendingWrites === 0 && this.readyState === "open") {
      this.buffered = 0;
      this.largestBuffered = 0;
      this.updateWritable();
      this.onDrain();
    }
  }

  protected doClose(fn: () => void): void {
    this.ws.close();
    fn();
  }

  override destroy(): void {
    this.discarded = true;
    // An orderly close already under way (CLOSING) finishes on its own; anything else is cut.
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
    this.onClose();
  }
}
