// WebSocket transport on a uWS WebSocket.
//
// Invariants:
// - `ws` is set from the uWS `open` handler until its `close` handler; no uWS call is made
//   outside that window (uWS throws on a closed socket);
// - every send status is checked: BACKPRESSURE clears `writable` until uWS reports `drain`;
//   buffered bytes above `maxBufferedBytes`, or a DROPPED send, emit "overflow" (the session
//   closes with "buffer limit exceeded");
// - a publish uWS dropped for this socket (over the same budget, see uws-backend.ts) makes
//   uWS close the socket; a close found over budget emits "overflow" too, never a plain
//   "close". So a message is only lost together with its session, which says why.
import createDebug from "debug";
import type * as uWS from "uWebSockets.js";
import { decodePacket, encodePacket, EngineParseError, Packet } from "../../parser/engine-io";
import { Transport } from "../transport";

const debug = createDebug("hyperio:engine:uws-websocket");

/**
 * Text frames to strings: TextDecoder reads the ArrayBuffer without a Buffer view (measured
 * ~55 vs ~105 ns for a 34-byte frame). ignoreBOM keeps a leading BOM and invalid bytes
 * become U+FFFD, exactly as Buffer#toString does (checked on 200k random frames).
 */
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** uWS send() results. */
export const SendStatus = { BACKPRESSURE: 0, SUCCESS: 1, DROPPED: 2 } as const;

export interface UwsWebSocketOptions {
  maxBufferedBytes: number;
  /** Compress messages at least this large; false disables permessage-deflate. */
  compressThreshold: number | false;
}

export class UwsWebSocketTransport extends Transport {
  readonly name = "websocket" as const;
  readonly buffersInternally = true;
  private ws: uWS.WebSocket<unknown> | undefined;
  /** Sends uWS refused (DROPPED); any drop closes the session, kept for diagnostics. */
  dropped = 0;
  /** True while this transport itself calls ws.unsubscribe (uWS reports it back synchronously). */
  private unsubscribing = false;
  /** Buffered amount over budget when uWS tore the subscriptions down for a close. */
  private overBudgetAtClose = false;

  constructor(protected readonly opts: UwsWebSocketOptions) {
    super();
  }

  /** Called from the uWS `open` handler. */
  attach(ws: uWS.WebSocket<unknown>): void {
    this.ws = ws;
    this.writable = true;
  }

  /** Called from the uWS `message` handler; `message` is only valid during that call. */
  onMessage(message: ArrayBuffer, isBinaryFrame: boolean): void {
    let packet: Packet;
    try {
      // Copy out of uWS memory: the ArrayBuffer is neutered when the handler returns.
      packet = isBinaryFrame
        ? { type: "message", data: Buffer.from(Buffer.from(message)) }
        : decodePacket(utf8.decode(message));
    } catch (err) {
      debug("bad frame: %s", (err as EngineParseError).code);
      this.onError("parse error", err, true);
      return;
    }
    this.onPacket(packet);
  }

  /** Called from the uWS `drain` handler. */
  onUwsDrain(): void {
    const ws = this.ws;
    if (!ws || this.writable) return;
    if (ws.getBufferedAmount() === 0) {
      this.writable = true;
      this.onDrain();
    }
  }

  /**
   * Called from the uWS `subscription` handler for a lost subscription. Unless we asked for
   * it, uWS is closing the socket (its close handler follows right away), and the socket
   * can still be queried: record whether it is over budget, i.e. closed by uWS after
   * dropping a message (closeOnBackpressureLimit).
   */
  onUwsUnsubscribed(): void {
    const ws = this.ws;
    if (!ws || this.unsubscribing) return;
    this.overBudgetAtClose = ws.getBufferedAmount() > this.opts.maxBufferedBytes;
  }

  /** Called from the uWS `close` handler: the socket is gone. */
  onUwsClose(): void {
    this.ws = undefined;
    if (this.overBudgetAtClose && this.readyState === "open") {
      debug("closed by uWS over the backpressure limit");
      this.writable = false;
      this.onOverflow();
    }
    this.onClose();
  }

  override bufferedAmount(): number {
    return this.ws ? this.ws.getBufferedAmount() : 0;
  }

  send(packets: Packet[]): void {
    const ws = this.ws;
    if (!ws) return;
    corkTransport = this;
    corkWs = ws;
    corkPackets = packets;
    corkOverflow = false;
    ws.cork(sendCorked);
    const overflow = corkOverflow;
    if (overflow || ws.getBufferedAmount() > this.opts.maxBufferedBytes) {
      debug("backpressure over limit (%d bytes)", ws.getBufferedAmount());
      this.onOverflow();
    }
  }

  /** @internal Writes packets inside a cork; true when uWS dropped one (the rest is not sent). */
  writeCorked(ws: uWS.WebSocket<unknown>, packets: Packet[]): boolean {
    const threshold = this.opts.compressThreshold;
    for (const packet of packets) {
      const data = this.encodeFrame(packet);
      const compress = threshold !== false && packet.options?.compress !== false && data.length >= threshold;
      const status = ws.send(data, typeof data !== "string", compress);
      if (status === SendStatus.BACKPRESSURE) {
        this.writable = false;
      } else if (status === SendStatus.DROPPED) {
        this.dropped++;
        this.writable = false;
        return true;
      }
    }
    return false;
  }

  /** One packet as a WebSocket message (the v3 transport frames binary differently). */
  protected encodeFrame(packet: Packet): string | Buffer {
    return encodePacket(packet, true);
  }

  override get tracksTopics(): boolean {
    return true;
  }

  override subscribe(topic: string): void {
    this.ws?.subscribe(topic);
  }

  override topicList(): string[] {
    return this.ws ? this.ws.getTopics() : [];
  }

  override unsubscribe(topic: string): void {
    const ws = this.ws;
    if (!ws) return;
    this.unsubscribing = true;
    try {
      ws.unsubscribe(topic);
    } finally {
      this.unsubscribing = false;
    }
  }

  override applyTopics(topics: ReadonlySet<string>): void {
    const ws = this.ws;
    if (!ws) return;
    for (const t of topics) ws.subscribe(t);
  }

  override publishFromSelf(topic: string, data: string | Buffer, isBinary: boolean): boolean {
    return this.ws ? this.ws.publish(topic, data, isBinary, false) : false;
  }

  protected doClose(fn: () => void): void {
    const ws = this.ws;
    this.ws = undefined;
    // The session learns first that this close is its own doing ("forced close"); end()
    // then runs the uWS close handler synchronously, which finds nothing left to do.
    fn();
    if (ws) ws.end(1000);
    this.onClose();
  }
}

// ws.cork takes a callback: one module-level callback reads its inputs from these slots
// rather than a closure per send (the echo path's most frequent allocation). cork runs it
// synchronously. Should a uWS handler run inside it and send on another socket, that inner
// send completes before the outer callback stores its result, so `corkOverflow` read right
// after ws.cork() returns is the outer send's.
let corkTransport: UwsWebSocketTransport | undefined;
let corkWs: uWS.WebSocket<unknown> | undefined;
let corkPackets: Packet[] | undefined;
let corkOverflow = false;

function sendCorked(): void {
  const t = corkTransport!;
  const ws = corkWs!;
  const packets = corkPackets!;
  corkTransport = corkWs = corkPackets = undefined;
  corkOverflow = t.writeCorked(ws, packets);
}
