// WebSocket transport on a uWS WebSocket.
//
// Invariants:
// - `ws` is set from the uWS `open` handler until its `close` handler; no uWS call is made
//   outside that window (uWS throws on a closed socket);
// - every send status is checked: BACKPRESSURE clears `writable` until uWS reports `drain`
//   with nothing left buffered;
// - uWS refuses (DROPPED) any send to a socket already holding more than maxBackpressure
//   (= maxBufferedBytes, uws-backend.ts), however small, but accepts one of any size to a
//   socket under it (measured: a 10 MB send to an empty socket is BACKPRESSURE, the next
//   one DROPPED). So a send is never handed to uWS over budget: while the socket holds more
//   than maxBufferedBytes (draining one large message) the rest of the batch is `held` here
//   and `canSend` is false, until a drain brings it back under. `buffered` counts both;
//   the session decides from it whether the reader fell behind (socket.ts). A DROPPED
//   direct send thus cannot happen short of a bug; it would emit "overflow";
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

/**
 * uWS sockets of this process holding more than their budget, i.e. draining one message
 * larger than maxBufferedBytes. A publish reaching such a socket would be DROPPED (and the
 * session closed) although its reader keeps reading: the uWS adapter writes broadcasts to
 * each recipient instead while this is not 0 (src/adapter/uws-adapter.ts).
 */
let socketsOverBudget = 0;

/** How many uWS sockets are over their budget now (see above). */
export function uwsSocketsOverBudget(): number {
  return socketsOverBudget;
}

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
  /** The last send returned BACKPRESSURE and no drain has emptied the socket since. */
  private backpressured = false;
  /** Packets uWS would have refused (see header), written on drain; undefined while none. */
  private held: Packet[] | undefined = undefined;
  private heldBytes = 0;
  /** Counted in socketsOverBudget. */
  private overBudget = false;

  constructor(protected readonly opts: UwsWebSocketOptions) {
    super();
  }

  /** Called from the uWS `open` handler. */
  attach(ws: uWS.WebSocket<unknown>): void {
    this.ws = ws;
    this.canSend = true;
    this.updateWritable();
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
  private setOverBudget(over: boolean): void {
    if (over === this.overBudget) return;
    this.overBudget = over;
    socketsOverBudget += over ? 1 : -1;
  }

  onUwsDrain(): void {
    const ws = this.ws;
    if (!ws) return;
    let released = false;
    const held = this.held;
    if (held !== undefined) {
      if (ws.getBufferedAmount() > this.opts.maxBufferedBytes) return;
      this.held = undefined;
      this.heldBytes = 0;
      this.send(held);
      if (this.held !== undefined || this.ws === undefined) return;
      this.canSend = true;
      released = true;
    } else if (!this.backpressured) {
      return;
    }
    const amount = ws.getBufferedAmount();
    this.buffered = amount;
    if (this.overBudget && amount <= this.opts.maxBufferedBytes) this.setOverBudget(false);
    if (amount === 0) {
      this.largestBuffered = 0;
      this.backpressured = false;
      this.updateWritable();
    } else if (!released) {
      return;
    }
    // The session hands over what it kept meanwhile.
    this.onDrain();
  }

  protected idle(): boolean {
    return this.ws !== undefined && !this.backpressured && this.held === undefined;
  }

  override onClose(): void {
    this.setOverBudget(false);
    super.onClose();
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

  /**
   * Called from the uWS `close` handler: the socket is gone. `refused` is uWS's message when
   * uWS itself cut the connection over what the peer sent (a message over maxPayloadLength,
   * invalid UTF-8, a bad frame): a transport error, as `ws` reports the same on node:http.
   */
  onUwsClose(refused?: string): void {
    this.ws = undefined;
    this.setOverBudget(false);
    if (this.overBudgetAtClose && this.readyState === "open") {
      debug("closed by uWS over the backpressure limit");
      this.writable = false;
      this.onOverflow();
    } else if (refused !== undefined && this.readyState === "open") {
      debug("closed by uWS: %s", refused);
      this.onError("websocket error", new Error(refused));
    }
    this.onClose();
  }

  override bufferedAmount(): number {
    return (this.ws ? this.ws.getBufferedAmount() : 0) + this.heldBytes;
  }

  send(packets: Packet[]): void {
    const ws = this.ws;
    if (!ws) return;
    if (this.held !== undefined) {
      // Behind packets held earlier (the session only sends while canSend; kept for order).
      this.hold(packets, 0);
      return;
    }
    let overflow: boolean;
    if (packets.length === 1) {
      // One message is one write either way (uWS corks a lone send itself): no cork, so no
      // call back into JS from C++ for the echo path's one packet per tick.
      overflow = this.writeCorked(ws, packets);
    } else {
      corkTransport = this;
      corkWs = ws;
      corkPackets = packets;
      corkOverflow = false;
      ws.cork(sendCorked);
      overflow = corkOverflow;
    }
    if (overflow) {
      debug("uWS dropped a send (%d bytes buffered)", ws.getBufferedAmount());
      this.onOverflow();
      return;
    }
    this.updateWritable();
  }

  /** Keeps packets[from..] until a drain (see header). */
  private hold(packets: Packet[], from: number): void {
    const held = (this.held ??= []);
    const before = this.heldBytes;
    let largest = this.largestBuffered;
    for (let i = from; i < packets.length; i++) {
      const packet = packets[i];
      held.push(packet);
      const n = packet.data === undefined ? 1 : packet.data.length + 1;
      this.heldBytes += n;
      if (n > largest) largest = n;
    }
    this.largestBuffered = largest;
    this.buffered += this.heldBytes - before;
    this.canSend = false;
    this.setOverBudget(true);
    this.writable = false;
  }

  /** @internal Writes packets inside a cork; true when uWS dropped one (the rest is not sent). */
  writeCorked(ws: uWS.WebSocket<unknown>, packets: Packet[]): boolean {
    const threshold = this.opts.compressThreshold;
    const cap = this.opts.maxBufferedBytes;
    // Publishes may have added to the socket since we last looked: one read per batch.
    let amount = ws.getBufferedAmount();
    let largest = amount === 0 ? 0 : this.largestBuffered;
    for (let i = 0; i < packets.length; i++) {
      if (amount > cap) {
        this.buffered = amount;
        this.largestBuffered = largest;
        this.hold(packets, i);
        return false;
      }
      const packet = packets[i];
      const data = this.encodeFrame(packet);
      const compress = threshold !== false && packet.options?.compress !== false && data.length >= threshold;
      const status = ws.send(data, typeof data !== "string", compress);
      if (status === SendStatus.SUCCESS) {
        amount = 0;
        largest = 0;
      } else if (status === SendStatus.BACKPRESSURE) {
        this.backpressured = true;
        this.writable = false;
        if (data.length > largest) largest = data.length;
        amount = ws.getBufferedAmount();
      } else {
        this.dropped++;
        this.writable = false;
        return true;
      }
    }
    this.buffered = amount;
    this.largestBuffered = largest;
    if (amount === 0) this.backpressured = false;
    if (amount > cap) this.setOverBudget(true);
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
    this.setOverBudget(false);
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
