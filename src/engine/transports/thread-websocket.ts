// WebSocket transport for a socket owned by an I/O thread (`ioThreads`), seen from the main
// thread. Same narrow contract as uws-websocket.ts; every operation becomes a command on the
// owning thread's ordered stream, every report arrives as an event from it.
//
// Invariants:
// - topics are mirrored here (a Set), so `topicList()` answers synchronously; the thread's
//   uWS socket gets the same subscribe/unsubscribe commands in the same order, and the link
//   counts each topic's subscribers from them (what a publish reaches, for metrics);
// - `buffered` is the thread's last report (uWS backpressure plus sends it keeps back while
//   the socket is over its budget) plus what was sent since while the socket was not empty:
//   never less than what is really held, so the session's outgoing cap (socket.ts) closes
//   a reader that stopped reading, at most one report late; the thread enforces the same
//   cap on its exact figures at once (workers/io-thread.ts, overCap) and reports the close
//   as CloseKind.OVERFLOW, so what it holds stays bounded whatever the crossing's delay;
// - `writable` is false from a report of held bytes until the report that the socket is empty.
import createDebug from "debug";
import { decodePacket, encodePacket, EngineParseError, Packet } from "../../parser/engine-io";
import { decodeBinaryPacketV3, decodeTextPacketV3, encodePacketV3 } from "../../parser/engine-io/v3";
import { Transport } from "../transport";
import { CloseKind } from "../thread-protocol";

const debug = createDebug("hyperio:engine:thread-websocket");

/** What the transport asks of the thread link that owns its socket. */
export interface ThreadSocketLink {
  write(wsId: number, frames: Array<string | Buffer>, compress: boolean[] | null): void;
  subscribe(wsId: number, topic: string): void;
  unsubscribe(wsId: number, topic: string): void;
  /** Publishes to every thread's subscribers of `topic` except this socket. */
  publishFrom(wsId: number, topic: string, data: string | Buffer, isBinary: boolean): void;
  end(wsId: number, code: number): void;
  /** The transport is done with its socket (closed either way), which was subscribed to `topics`. */
  forget(wsId: number, topics: ReadonlySet<string>): void;
}

export interface ThreadWebSocketOptions {
  /** Compress messages at least this large; false disables permessage-deflate. */
  compressThreshold: number | false;
}

export class ThreadWebSocketTransport extends Transport {
  readonly name = "websocket" as const;
  readonly buffersInternally = true;
  private open = false;
  private backpressured = false;
  private readonly topics = new Set<string>();

  constructor(
    private readonly link: ThreadSocketLink,
    readonly wsId: number,
    protected readonly opts: ThreadWebSocketOptions,
  ) {
    super();
  }

  /** The thread reported the socket open. */
  attach(): void {
    this.open = true;
    this.canSend = true;
    this.updateWritable();
  }

  /** A frame from the thread: a string for a text frame, bytes for a binary one. */
  onRemoteMessage(data: string | Uint8Array): void {
    let packet: Packet;
    try {
      packet = this.decodeFrame(data);
    } catch (err) {
      debug("bad frame: %s", (err as EngineParseError).code);
      this.onError("parse error", err, true);
      return;
    }
    this.onPacket(packet);
  }

  protected decodeFrame(data: string | Uint8Array): Packet {
    return typeof data === "string" ? decodePacket(data) : { type: "message", data: asBuffer(data) };
  }

  /** The thread's figures for what the socket holds unsent (0: drained) and its largest frame. */
  onRemoteBuffered(amount: number, largest: number): void {
    if (!this.open) return;
    this.buffered = amount;
    if (amount > 0) {
      // The cap exempts one message of any size (socket.ts): the thread knows which.
      if (largest > this.largestBuffered) this.largestBuffered = largest;
      this.backpressured = true;
      this.writable = false;
      return;
    }
    if (!this.backpressured) return;
    this.backpressured = false;
    this.largestBuffered = 0;
    this.updateWritable();
    this.onDrain();
  }

  /** The socket closed on its thread (or the thread died). */
  onRemoteClose(how: number | string): void {
    if (!this.open && this.readyState === "closed") return;
    this.open = false;
    this.forget();
    if (this.readyState === "open") {
      if (how === CloseKind.OVERFLOW) {
        debug("closed by uWS over the backpressure limit");
        this.writable = false;
        this.onOverflow();
      } else if (typeof how === "string") {
        debug("closed by uWS: %s", how);
        this.onError("websocket error", new Error(how));
      }
    }
    this.onClose();
  }

  protected idle(): boolean {
    return this.open && !this.backpressured;
  }

  override bufferedAmount(): number {
    return this.buffered;
  }

  send(packets: Packet[]): void {
    if (!this.open) return;
    const threshold = this.opts.compressThreshold;
    const frames: Array<string | Buffer> = new Array(packets.length);
    let compress: boolean[] | null = null;
    let bytes = 0;
    let largest = this.largestBuffered;
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i];
      const data = this.encodeFrame(packet);
      frames[i] = data;
      bytes += data.length;
      if (data.length > largest) largest = data.length;
      if (threshold !== false && packet.options?.compress !== false && data.length >= threshold) {
        (compress ??= packets.map(() => false))[i] = true;
      }
    }
    this.link.write(this.wsId, frames, compress);
    if (this.backpressured) {
      this.buffered += bytes;
      this.largestBuffered = largest;
    }
  }

  protected encodeFrame(packet: Packet): string | Buffer {
    return encodePacket(packet, true);
  }

  override get tracksTopics(): boolean {
    return true;
  }

  override subscribe(topic: string): void {
    if (!this.open || this.topics.has(topic)) return;
    this.topics.add(topic);
    this.link.subscribe(this.wsId, topic);
  }

  override unsubscribe(topic: string): void {
    if (!this.open || !this.topics.delete(topic)) return;
    this.link.unsubscribe(this.wsId, topic);
  }

  override topicList(): string[] {
    return [...this.topics];
  }

  override applyTopics(topics: ReadonlySet<string>): void {
    for (const t of topics) this.subscribe(t);
  }

  override publishFromSelf(topic: string, data: string | Buffer, isBinary: boolean): boolean {
    if (!this.open) return false;
    this.link.publishFrom(this.wsId, topic, data, isBinary);
    return true;
  }

  /** Closes the socket without a status code (a refused second WebSocket, as uws-backend.ts). */
  refuse(): void {
    this.open = false;
    this.link.end(this.wsId, 0);
    this.forget();
  }

  /** Hands the socket back to its link, once: its topics are no longer counted. */
  private forget(): void {
    this.link.forget(this.wsId, this.topics);
    this.topics.clear();
  }

  protected doClose(fn: () => void): void {
    const wasOpen = this.open;
    this.open = false;
    fn();
    if (wasOpen) this.link.end(this.wsId, 1000);
    this.forget();
    this.onClose();
  }
}

/** Engine.IO v3 sessions (allowEIO3) on an I/O thread; see uws-websocket-v3.ts. */
export class ThreadWebSocketTransportV3 extends ThreadWebSocketTransport {
  constructor(link: ThreadSocketLink, wsId: number, opts: ThreadWebSocketOptions, private readonly supportsBinary: boolean) {
    super(link, wsId, opts);
  }

  protected override decodeFrame(data: string | Uint8Array): Packet {
    return typeof data === "string" ? decodeTextPacketV3(data) : decodeBinaryPacketV3(asBuffer(data));
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

/** A Buffer over the bytes structured cloning gave us (no copy). */
function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}
