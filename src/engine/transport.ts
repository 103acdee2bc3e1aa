// The narrow contract every transport keeps: `send(packets)`, `close()`, `writable`, and the
// events `packet`, `drain`, `ready`, `error`, `close`. A transport knows nothing of sessions
// beyond the packets it carries; the Socket decides what to send and when.
import { EventEmitter } from "node:events";
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

export abstract class Transport extends EventEmitter {
  abstract readonly name: TransportName;
  /** True when `send` would hand packets to the network right now (no backpressure). */
  writable = false;
  readyState: TransportState = "open";
  /** Set during an upgrade: the transport is being replaced and may close without ceremony. */
  discarded = false;
  /** Session id, set by the Socket that owns this transport. */
  sid = "";

  /**
   * True when the transport queues internally while not writable (WebSocket: the socket
   * library buffers), so the session may keep handing it packets in order; false when it
   * can only take packets while writable (polling: one response per pending GET).
   */
  abstract readonly buffersInternally: boolean;

  /** Writes packets. For polling, only call while `writable`. */
  abstract send(packets: Packet[]): void;

  /** Bytes accepted by this transport but not yet handed to the kernel. */
  bufferedAmount(): number {
    return 0;
  }

  /** Topic fanout hooks; only the uWS WebSocket transport implements them. */
  subscribe(_topic: string): void {}
  unsubscribe(_topic: string): void {}
  /** Applies a whole topic set at once (on open / upgrade). */
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
    this.emit("packet", packet);
  }

  protected onError(message: string, description?: unknown, isParseError = false): void {
    if (this.listenerCount("error") > 0) {
      this.emit("error", new TransportError(message, description, isParseError));
    } else {
      debug("ignored transport error %s (%s)", message, description);
    }
  }

  /** Marks the transport closed and tells the session; idempotent. */
  onClose(): void {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    this.writable = false;
    this.emit("close");
  }
}

function noop(): void {}
