// The narrow contract every transport keeps: `send(packets)`, `close()`, `writable`, and what
// it reports to its owner: packet, drain, ready, error, close, overflow. A transport knows
// nothing of sessions beyond the packets it carries; the Socket decides what to send and when.
//
// Reports are direct method calls on one owner (the session, or the upgrade probe while a
// transport is being offered as an upgrade), not EventEmitter events: a transport lives as
// long as its connection, and an emitter with six listeners cost ~1 KiB per idle connection
// (measured with loadtest/heap-idle.ts). Invariant: a transport has at most one owner; what
// it reports while it has none (a discarded transport) is dropped.
import createDebug from "debug";
import type { Packet } from "../parser/engine-io";
import type { TransportName } from "./options";

const debug = createDebug("hyperio:engine:transport");

export type TransportState = "open" | "closing" | "closed";

/** Error emitted by a transport; `type` is always "TransportError" as upstream. */
export class TransportError extends Error {
  readonly type = "TransportError";
  constructor(
    message: string,
    readonly description?: unknown,
    /** true when the peer sent something the codec rejected (session closes with "parse error"). */
    readonly isParseError = false,
  ) {
    super(message);
  }
}

/** Receives a transport's reports (see the header). */
export interface TransportOwner {
  onTransportPacket(packet: Packet): void;
  onTransportError(err: TransportError): void;
  /** Polling: a GET is pending, so the transport is writable again. */
  onTransportReady(): void;
  /** What was sent has been handed over: the transport may take more. */
  onTransportDrain(): void;
  onTransportClose(): void;
  /** The socket library refused a write (the session closes: "buffer limit exceeded"). */
  onTransportOverflow(): void;
}

export abstract class Transport {
  abstract readonly name: TransportName;
  /**
   * Upstream engine.io's meaning, which is what volatile packets are dropped on: true when
   * a packet handed over now would be written at once, with no earlier write of this
   * transport still in flight. A write is in flight from the moment the session queues one
   * for the end of the tick (see holdForQueuedWrite) until the transport has handed it
   * over: polling until the next GET, WebSocket until its backpressure has drained.
   */
  writable = false;
  /**
   * True when `send` may be called now: polling while a GET is pending, a WebSocket while
   * its socket library takes more without refusing it. The session holds its packets
   * otherwise, until `onTransportReady` / `onTransportDrain`.
   */
  canSend = false;
  /**
   * Bytes this transport accepted and has not written yet, as last observed (a plain
   * field, refreshed on each send and drain, so reading it costs no native call).
   */
  buffered = 0;
  /**
   * The largest message among those counted in `buffered` (reset once the transport is
   * empty): the outgoing cap never counts the one message being written (see socket.ts).
   */
  largestBuffered = 0;
  /** The session queued a write for the end of this tick (see `writable`). */
  private writeQueued = false;
  readyState: TransportState = "open";
  /** Set during an upgrade: the transport is being replaced and may close without ceremony. */
  discarded = false;
  /** Session id, set by the Socket that owns this transport. */
  sid = "";
  /** Who gets this transport's reports; undefined once detached. */
  owner: TransportOwner | undefined = undefined;

  /**
   * True when the transport queues internally while not writable (WebSocket: the socket
   * library buffers), so the session may keep handing it packets in order; false when it
   * can only take packets while writable (polling: one response per pending GET).
   */
  abstract readonly buffersInternally: boolean;

  /** Writes packets. Only call while `canSend`. */
  abstract send(packets: Packet[]): void;

  /** No write of this transport in flight and `send` would write at once (see `writable`). */
  protected abstract idle(): boolean;

  /** Recomputes `writable` after the transport's own state changed. */
  protected updateWritable(): void {
    this.writable = !this.writeQueued && this.idle();
  }

  /** @internal The session queued packets for the end of this tick: a write is in flight. */
  holdForQueuedWrite(): void {
    this.writeQueued = true;
    this.writable = false;
  }

  /** @internal The queued write was handed over (or dropped with the session). */
  releaseQueuedWrite(): void {
    this.writeQueued = false;
    this.writable = this.idle();
  }

  /** Bytes accepted by this transport but not yet handed to the kernel. */
  bufferedAmount(): number {
    return 0;
  }

  /**
   * Topic fanout hooks; only the uWS WebSocket transport implements them. A transport that
   * tracks topics keeps the session's subscriptions itself (subscribe is idempotent there).
   */
  get tracksTopics(): boolean {
    return false;
  }
  subscribe(_topic: string): void {}
  unsubscribe(_topic: string): void {}
  /** The topics subscribed to (a transport that tracks them). */
  topicList(): string[] {
    return [];
  }
  /** Applies a whole topic set at once (on upgrade). */
  applyTopics(_topics: ReadonlySet<string>): void {}
  /** ws.publish (excluding this socket); false when unsupported. */
  publishFromSelf(_topic: string, _data: string | Buffer, _isBinary: boolean): boolean {
    return false;
  }

  discard(): void {
    this.discarded = true;
  }

  /** Closes the transport; `fn` runs once the close is on its way. */
  close(fn?: () => void): void {
    if (this.readyState === "closed" || this.readyState === "closing") return;
    this.readyState = "closing";
    this.doClose(fn ?? noop);
  }

  protected abstract doClose(fn: () => void): void;

  /**
   * Closes now, without waiting for an orderly close to complete (used when the session is
   * already closed, so no timer of an orderly close may outlive it).
   */
  destroy(): void {
    this.discarded = true;
    if (this.readyState === "open") this.close();
    if (this.readyState !== "closed") this.onClose();
  }

  protected onPacket(packet: Packet): void {
    this.owner?.onTransportPacket(packet);
  }

  protected onError(message: string, description?: unknown, isParseError = false): void {
    const owner = this.owner;
    if (owner) owner.onTransportError(new TransportError(message, description, isParseError));
    else debug("ignored transport error %s (%s)", message, description);
  }

  protected onReady(): void {
    this.owner?.onTransportReady();
  }

  protected onDrain(): void {
    this.owner?.onTransportDrain();
  }

  protected onOverflow(): void {
    this.owner?.onTransportOverflow();
  }

  /** Marks the transport closed and tells the session; idempotent. */
  onClose(): void {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    this.writable = false;
    this.canSend = false;
    this.owner?.onTransportClose();
  }
}

function noop(): void {}
