// One Engine.IO session: heartbeat, write buffer, transport switch on upgrade, topics.
//
// Invariants:
// - `writeBuffer` holds packets while the transport cannot take them (`canSend` false:
//   polling without a pending GET, a uWS socket holding more than the cap), and on a
//   WebSocket until the end of the tick (under 16 KiB; see flush-queue.ts): a WebSocket
//   session's writes go out once per tick, before any publish and before its close;
// - the outgoing cap (`maxBufferedBytes`) bounds how far a reader may fall behind, never
//   the size of a message: a session is closed with "buffer limit exceeded" only when the
//   bytes it holds unsent (its writeBuffer plus what its transport has not written yet),
//   not counting the largest single message among them, exceed the cap. Why the largest
//   one is left out: a reader that keeps reading drains any one message, however large,
//   so counting it would refuse traffic upstream delivers (a 4.7 MB emit over polling
//   closed the session, and the reconnecting client got it again, forever); a reader that
//   never reads is still closed, holding at most the cap plus one message. Checked when a
//   packet joins a writeBuffer the transport cannot take now, and after each handover;
// - while a write is queued for the end of the tick, `transport.writable` is false
//   (holdForQueuedWrite): upstream's transport is not writable while a write is in flight,
//   and volatile packets are dropped on exactly that;
// - at any instant the session has exactly one active transport. Its topics live in the
//   uWS socket while that transport is a uWS WebSocket (uWS keeps the list anyway), else in
//   `ownTopics`, handed to the WebSocket in the same tick as an upgrade switch, so a
//   publish reaches the session exactly once;
// - after "close" no timer of this session remains armed;
// - the heartbeat is one deadline on the session itself (timers.ts): waiting to ping
//   (`pingDue`), or waiting for the client (`pongMissed`: v4 pong, v3 ping), never both.
import { EventEmitter } from "node:events";
import createDebug from "debug";
import { isBinary, Packet, PacketOptions, PacketType, RawData, toBuffer } from "../parser/engine-io";
import type { ResolvedOptions, TransportName } from "./options";
import type { EngineProtocol } from "./protocol";
import type { EngineRequest } from "./request";
import type { DeadlineFn, DeadlineHolder, TimerRegistry } from "./timers";
import type { FlushQueue } from "./flush-queue";
import { Transport, TransportError, TransportOwner } from "./transport";
import { countClosed, countHandedOver, countPacketIn, countPublished, countUpgrade, frameSize, noteForcedCause, type EngineCounters, type ForcedCloseCause } from "./metrics";

const debug = createDebug("hyperio:engine:socket");

export type SocketState = "opening" | "open" | "closing" | "closed";

export type CloseReason =
  | "transport close"
  | "transport error"
  | "ping timeout"
  | "parse error"
  | "forced close"
  | "server shutting down"
  | "forced server close"
  | "buffer limit exceeded";

/** Data accepted by `send`. */
export type SendData = string | Buffer | ArrayBuffer | ArrayBufferView;
export type SendCallback = (transport: Transport) => void;

export interface SendOptions extends PacketOptions {}

/** What a session needs from its server (kept narrow to avoid a dependency cycle). */
export interface SessionHost {
  readonly opts: ResolvedOptions;
  readonly timers: TimerRegistry;
  /** Sessions with WebSocket writes waiting for the end of the tick (flushed before a publish). */
  readonly wsFlushQueue: FlushQueue;
  /** Polling sessions with a response to write at the end of the tick. */
  readonly pollingFlushQueue: FlushQueue;
  /** Transports a transport may upgrade to (engine.upgrades). */
  upgrades(transport: string): TransportName[];
  /** The engine's metrics counters, incremented where things happen (metrics.ts). */
  readonly counters: EngineCounters;
  /** WebSocket sessions subscribed to a uWS topic (for the metrics of a publish). */
  subscriberCount(topic: string): number;
  /** Told first when a session closes (before its consumer and "close" listeners). */
  sessionClosed(socket: Socket): void;
  emit(event: string, ...args: unknown[]): boolean;
}

/**
 * The one internal reader of a session (the Socket.IO Client), called directly instead of
 * through "message" / "close" listeners: each listener cost an entry in the session's
 * `_events` dictionary and a bound function per connection. It is called right before the
 * listeners of the same event, so it sees what they see, in the same order as before.
 */
export interface SessionConsumer {
  onEngineMessage(data: RawData): void;
  onEngineClose(reason: CloseReason, description?: unknown): void;
}

const UPGRADE_CHECK_MS = 100;

/** The write buffer of every session with nothing queued (frozen: never pushed to). */
const NO_PACKETS: Packet[] = Object.freeze([]) as unknown as Packet[];

/** Longest delay node's timers take (a longer one fires after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A WebSocket write batch is handed over at once from this size: uWS's cork buffer is
 * 16 KiB, so a bigger batch gains nothing from waiting.
 */
const WS_BATCH_BYTES = 16 * 1024;

/**
 * The options a packet carries: `compress` defaults to true. The caller's object is used as
 * is when it already says compress true/false (upstream even writes `compress` into it), so
 * a broadcast handing one options object to every recipient copies nothing.
 */
function packetOptions(options: SendOptions | undefined): PacketOptions {
  if (options === undefined) return { compress: true };
  const c = options.compress;
  if (c === true || c === false) return options;
  return { ...options, compress: true };
}

// A Socket is the TransportOwner of its transport (`transport.owner = this` checks it); no
// `implements` clause: the owner hooks are internal, stripped from the public .d.ts.
export class Socket extends EventEmitter {
  readonly id: string;
  /** Engine.IO revision of the session: 4, or 3 for a Socket.IO v2 client (`allowEIO3`). */
  readonly protocol: EngineProtocol;
  readonly request: EngineRequest;
  readonly remoteAddress: string;
  readyState: SocketState = "opening";
  transport!: Transport;
  upgrading = false;
  upgraded = false;
  /** Topics of a session not on a uWS WebSocket (polling, `ws`); undefined while none. */
  private ownTopics: Set<string> | undefined = undefined;

  /** NO_PACKETS while empty (an idle session holds no array of its own). */
  private writeBuffer: Packet[] = NO_PACKETS;
  private writeBufferBytes = 0;
  /** The largest packet in writeBuffer (see the outgoing cap in the header). */
  private largestWaiting = 0;
  /** Callbacks of the packets in writeBuffer; undefined while none (most sends have none). */
  private packetsFn: SendCallback[] | undefined = undefined;
  private flushScheduled = false;
  private hasRefreshedPingTimeout = false;
  // The heartbeat deadline (DeadlineHolder, see timers.ts). Public for the registry only.
  /** @internal */ dlNext: DeadlineHolder | undefined = undefined;
  /** @internal */ dlPrev: DeadlineHolder | undefined = undefined;
  /** @internal */ dlAt = 0;
  /** @internal */ dlFn: DeadlineFn<Socket> | undefined = undefined;
  /** @internal */ dlList: DeadlineHolder["dlList"] = undefined;
  private cancelUpgrade: (() => void) | undefined;
  private consumer: SessionConsumer | undefined = undefined;

  /** @internal created by the server once the handshake is accepted. */
  constructor(
    id: string,
    readonly server: SessionHost,
    transport: Transport,
    req: EngineRequest,
    protocol: EngineProtocol = 4,
  ) {
    super();
    // No listener dictionary until a first listener: node's EventEmitter creates `_events`
    // on demand while it is undefined (the state of an emitter whose constructor never ran,
    // which it supports), and most sessions get no listener (the Socket.IO Client reads
    // them as SessionConsumer): ~180 B per idle session.
    (this as unknown as { _events: unknown })._events = undefined;
    this.id = id;
    this.protocol = protocol;
    this.request = req;
    this.remoteAddress = req.remoteAddress;
    this.setTransport(transport);
    this.onOpen();
  }

  private get opts(): ResolvedOptions {
    return this.server.opts;
  }

  private onOpen(): void {
    this.readyState = "open";
    this.transport.sid = this.id;
    this.sendPacket(
      "open",
      JSON.stringify({
        sid: this.id,
        upgrades: this.getAvailableUpgrades(),
        pingInterval: this.opts.pingInterval,
        pingTimeout: this.opts.pingTimeout,
        maxPayload: this.opts.maxHttpBufferSize,
      }),
    );
    if (this.opts.initialPacket !== undefined) this.sendPacket("message", this.opts.initialPacket);
    this.emit("open");
    if (this.protocol === 4) {
      this.schedulePing();
    } else {
      // v3: the client pings and the server answers. No pong is awaited, so the one-time
      // extension granted to a busy v4 client while its pong is due never applies.
      this.hasRefreshedPingTimeout = true;
      this.armClientPingTimeout();
    }
  }

  /**
   * Transports this session may still upgrade to from its current one: the server's
   * `upgrades(transport.name)` that the `transports` option allows (as upstream engine.io;
   * ["websocket"] on polling by default, [] once on WebSocket). Sent in the handshake.
   */
  getAvailableUpgrades(): TransportName[] {
    const allowed = this.opts.transports;
    return this.server.upgrades(this.transport.name).filter((t) => allowed.includes(t));
  }

  // ---- heartbeat -------------------------------------------------------------------

  private schedulePing(): void {
    if (this.readyState === "closed") return;
    this.server.timers.arm(this, Socket.pingDue, this.opts.pingInterval);
  }

  // Deadline callbacks take the session as argument (no closure per timer, see timers.ts).
  private static pingDue(socket: Socket): void {
    socket.hasRefreshedPingTimeout = false;
    socket.sendPacket("ping");
    socket.resetPingTimeout();
  }

  private static pongMissed(socket: Socket): void {
    if (socket.readyState !== "closed") socket.onClose("ping timeout");
  }

  /** true while the session waits for the client's heartbeat (v4 pong, v3 ping). */
  private get awaitingClient(): boolean {
    return this.dlFn === Socket.pongMissed;
  }

  /**
   * v3: the session ends with "ping timeout" unless the client pings within pingInterval +
   * pingTimeout (upstream's v3 deadline); each client ping restarts the count.
   */
  private armClientPingTimeout(): void {
    const ms = Math.min(this.opts.pingInterval + this.opts.pingTimeout, MAX_TIMER_MS);
    this.server.timers.arm(this, Socket.pongMissed, ms);
  }

  private resetPingTimeout(): void {
    // Sending the ping may itself have closed the session (buffer limit): arm nothing then.
    if (this.readyState === "closed") return;
    this.server.timers.arm(this, Socket.pongMissed, this.opts.pingTimeout);
  }

  /** Restarts the wait for the client's heartbeat from now, as Timeout#refresh would. */
  private refreshClientDeadline(): void {
    const ms = this.dlList!.ms;
    this.server.timers.arm(this, Socket.pongMissed, ms);
  }

  // ---- incoming --------------------------------------------------------------------

  /** @internal the current transport's packets. */
  onTransportPacket(packet: Packet): void {
    if (this.readyState !== "open") return;
    countPacketIn(this.server.counters, packet);
    this.emit("packet", packet);
    // A client busy sending may have its pong queued behind data: grant one extension.
    if (this.awaitingClient && !this.hasRefreshedPingTimeout && packet.type !== "pong") {
      this.refreshClientDeadline();
      this.hasRefreshedPingTimeout = true;
    }
    switch (packet.type) {
      case "ping":
        // v4: only the server pings (probes travel on the upgrading transport).
        if (this.protocol === 4) {
          this.onTransportError(new TransportError("invalid heartbeat direction"));
          return;
        }
        if (this.awaitingClient) this.refreshClientDeadline();
        this.sendPacket("pong");
        this.emit("heartbeat");
        return;
      case "pong":
        // v3: the server never pings, so a pong answers nothing.
        if (this.protocol === 3) {
          this.onTransportError(new TransportError("invalid heartbeat direction"));
          return;
        }
        this.server.timers.disarm(this);
        this.schedulePing();
        this.emit("heartbeat");
        return;
      case "message": {
        const data = packet.data ?? "";
        this.emit("data", data);
        this.consumer?.onEngineMessage(data);
        this.emit("message", data);
        return;
      }
      default:
        return;
    }
  }

  /** @internal */
  onTransportError(err: TransportError): void {
    debug("transport error %s", err.message);
    if (err.isParseError) this.onClose("parse error", err);
    else this.onClose("transport error", err);
  }

  /** @internal */
  onTransportReady(): void {
    this.flush();
  }

  /** @internal */
  onTransportDrain(): void {
    // A closing session hands over what it kept at once: its close waits for it (close()).
    if (this.readyState === "closing" && this.transport.buffersInternally) this.flushNow();
    else this.flush();
    this.emit("drain");
  }

  /** @internal */
  onTransportClose(): void {
    this.onClose("transport close");
  }

  /** @internal */
  onTransportOverflow(): void {
    this.server.counters.dropped++;
    this.onClose("buffer limit exceeded");
  }

  /**
   * @internal Makes `consumer` the session's direct reader (see SessionConsumer). Returns
   * false when another one is attached (that reader then listens like any other).
   */
  attachConsumer(consumer: SessionConsumer): boolean {
    if (this.consumer !== undefined && this.consumer !== consumer) return false;
    this.consumer = consumer;
    return true;
  }

  /** @internal Detaches `consumer` if it is the attached one. */
  detachConsumer(consumer: SessionConsumer): void {
    if (this.consumer === consumer) this.consumer = undefined;
  }

  // ---- transport management --------------------------------------------------------

  private setTransport(transport: Transport): void {
    this.transport = transport;
    transport.owner = this;
  }

  /**
   * Detaches and closes the current transport for good. destroy(), not close(): an orderly
   * close already under way (a polling transport waiting for its next GET, e.g. when the
   * session was closing during an upgrade) must end now, not keep a timer armed. Once
   * detached, what the transport reports (errors included) is dropped.
   */
  private clearTransport(): void {
    const t = this.transport;
    if (t.owner === this) t.owner = undefined;
    t.destroy();
  }

  /**
   * @internal Starts an upgrade to `transport` (a fresh WebSocket for this sid). The switch
   * happens when the client sends "5"; until then the new transport only answers probes.
   */
  maybeUpgrade(transport: Transport): void {
    debug("might upgrade %s from %s to %s", this.id, this.transport.name, transport.name);
    const timers = this.server.timers;
    this.upgrading = true;
    let checkTimer: NodeJS.Timeout | undefined;
    let done = false;
    const upgradeTimer = timers.setTimeout(() => {
      debug("client did not complete upgrade - closing transport");
      cleanup();
      if (transport.readyState === "open") transport.close();
    }, this.opts.upgradeTimeout);

    // Releases the pending GET so the paused client can send "5".
    const releasePoll = (): void => {
      if (this.transport.name === "polling" && this.transport.writable) {
        this.transport.send([{ type: "noop" }]);
      }
    };
    const onPacket = (packet: Packet): void => {
      if (packet.type === "ping" && packet.data === "probe") {
        transport.send([{ type: "pong", data: "probe" }]);
        this.emit("upgrading", transport);
        // An "upgrading" listener may have closed the session (and cancelled this upgrade):
        // arm nothing for it then.
        if (done) return;
        releasePoll();
        timers.clear(checkTimer);
        checkTimer = timers.setInterval(releasePoll, UPGRADE_CHECK_MS);
      } else if (packet.type === "upgrade" && this.readyState !== "closed") {
        debug("got upgrade packet - upgrading");
        cleanup();
        this.transport.discard();
        this.upgraded = true;
        countUpgrade(this.server.counters);
        this.clearTransport();
        this.setTransport(transport);
        transport.sid = this.id;
        // A write queued on the old transport goes out on this one at the end of the tick.
        if (this.flushScheduled) transport.holdForQueuedWrite();
        // Same tick as the switch: publishes from now on reach this session via the socket.
        const own = this.ownTopics;
        if (own !== undefined && transport.tracksTopics) {
          transport.applyTopics(own);
          this.ownTopics = undefined;
        }
        this.emit("upgrade", transport);
        this.flush();
        if (this.readyState === "closing") transport.close(() => this.onClose("forced close"));
      } else {
        cleanup();
        transport.close();
      }
    };
    const onTransportGone = (): void => {
      cleanup();
      transport.close();
    };
    // The offered transport reports to this probe until the switch (or its end); its
    // drain and overflow do not matter before it carries the session.
    const probe: TransportOwner = {
      onTransportPacket: onPacket,
      onTransportError: onTransportGone,
      onTransportClose: onTransportGone,
      onTransportReady: noop,
      onTransportDrain: noop,
      onTransportOverflow: noop,
    };
    const cleanup = (): void => {
      done = true;
      this.upgrading = false;
      this.cancelUpgrade = undefined;
      timers.clear(checkTimer);
      timers.clear(upgradeTimer);
      if (transport.owner === probe) transport.owner = undefined;
    };
    this.cancelUpgrade = onTransportGone;
    transport.owner = probe;
  }

  // ---- outgoing --------------------------------------------------------------------

  /**
   * Sends a message.
   *
   * @example
   * engine.on("connection", (socket) => socket.send("hello", () => console.log("flushed")));
   */
  send(data: SendData, options?: SendOptions | SendCallback, callback?: SendCallback): this {
    this.sendPacket("message", data, options, callback);
    return this;
  }

  /** Alias of {@link send}. */
  write(data: SendData, options?: SendOptions | SendCallback, callback?: SendCallback): this {
    return this.send(data, options, callback);
  }

  private sendPacket(
    type: PacketType,
    data?: SendData,
    options?: SendOptions | SendCallback,
    callback?: SendCallback,
  ): void {
    if (typeof options === "function") {
      callback = options;
      options = undefined;
    }
    if (this.readyState === "closing" || this.readyState === "closed") return;
    const packet: Packet = { type, options: packetOptions(options) };
    if (data !== undefined) {
      packet.data = (typeof data === "string" ? data : isBinary(data) ? toBuffer(data) : String(data)) as RawData;
    }
    this.emit("packetCreate", packet);
    if (this.writeBuffer === NO_PACKETS) this.writeBuffer = [];
    this.writeBuffer.push(packet);
    const size = packet.data === undefined ? 1 : packet.data.length + 1;
    this.writeBufferBytes += size;
    if (size > this.largestWaiting) this.largestWaiting = size;
    if (typeof callback === "function") (this.packetsFn ??= []).push(callback);
    const t = this.transport;
    if (t.buffersInternally && t.canSend) {
      // WebSocket: batched per tick (see flush-queue.ts), but never holding more than one
      // batch: past that it goes to the transport now (still counted as a write queued for
      // this tick, so `writable` stays false until the end of it, as upstream's would).
      this.flush();
      if (this.writeBufferBytes >= WS_BATCH_BYTES) this.flushNow();
      return;
    }
    if (!t.canSend) this.server.counters.bufferWaits++;
    if (this.overCap()) return;
    this.flush();
  }

  /**
   * Applies the outgoing cap (see the header); closes the session and returns true when
   * the reader fell behind.
   */
  private overCap(): boolean {
    const t = this.transport;
    const largest = this.largestWaiting > t.largestBuffered ? this.largestWaiting : t.largestBuffered;
    if (this.writeBufferBytes + t.buffered - largest <= this.opts.maxBufferedBytes) return false;
    debug("session %s: more than maxBufferedBytes behind", this.id);
    this.onClose("buffer limit exceeded");
    return true;
  }

  /**
   * hyperio: bytes this session holds unsent: its own queue plus what its transport has
   * accepted and not written yet (uWS or ws backpressure). What the outgoing cap bounds.
   */
  get bufferedBytes(): number {
    if (this.readyState === "closed") return 0;
    return this.writeBufferBytes + this.transport.bufferedAmount();
  }

  /**
   * Schedules handing buffered packets to the transport, once per tick: a polling response
   * carries every packet sent in the same tick, and a WebSocket gets them in one write.
   */
  private flush(): void {
    if (this.readyState === "closed" || this.writeBuffer.length === 0) return;
    const t = this.transport;
    if (!t.canSend) return;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    t.holdForQueuedWrite();
    (t.buffersInternally ? this.server.wsFlushQueue : this.server.pollingFlushQueue).add(this);
  }

  /** @internal Called by the flush queue this session was added to. */
  flushQueued(): void {
    this.flushScheduled = false;
    this.flushNow();
    this.transport.releaseQueuedWrite();
  }

  private flushNow(): void {
    const t = this.transport;
    if (this.readyState === "closed" || this.writeBuffer.length === 0) return;
    if (!t.canSend) return;
    const wbuf = this.writeBuffer;
    const fns = this.packetsFn;
    countHandedOver(this.server.counters, wbuf.length, this.writeBufferBytes);
    this.writeBuffer = NO_PACKETS;
    this.writeBufferBytes = 0;
    this.largestWaiting = 0;
    this.packetsFn = undefined;
    this.emit("flush", wbuf);
    this.server.emit("flush", this, wbuf);
    t.send(wbuf);
    // How far behind the reader is now (the transport's own backlog; see the header).
    if (t.buffered !== 0) this.server.counters.backpressure++;
    if (t.buffered !== 0 && this.overCap()) return;
    if (fns !== undefined) for (const fn of fns) fn(t);
    this.emit("drain");
    this.server.emit("drain", this);
  }

  // ---- topics (uWS fanout) ---------------------------------------------------------

  /** Topics this session is subscribed to (a copy). */
  get topics(): ReadonlySet<string> {
    const t = this.transport;
    if (this.readyState !== "closed" && t.tracksTopics) return new Set(t.topicList());
    return new Set(this.ownTopics);
  }

  /** Subscribes this session to a uWS topic (no-op for delivery while on polling). */
  subscribe(topic: string): void {
    const t = this.transport;
    if (this.readyState !== "closed" && t.tracksTopics) t.subscribe(topic);
    else (this.ownTopics ??= new Set()).add(topic);
  }

  unsubscribe(topic: string): void {
    const t = this.transport;
    if (this.readyState !== "closed" && t.tracksTopics) t.unsubscribe(topic);
    else this.ownTopics?.delete(topic);
  }

  /**
   * Publishes an encoded Engine.IO message to a topic's uWS subscribers except this
   * session. Returns false when the session is not on a uWS WebSocket.
   */
  publishFromSelf(topic: string, data: string | Buffer, isBinary: boolean): boolean {
    if (this.readyState !== "open") return false;
    // Direct sends queued earlier in this tick go first (see flush-queue.ts).
    this.server.wsFlushQueue.flushAll();
    // Every subscriber but this session (a member of the topic when it publishes to it).
    if (this.transport.tracksTopics) countPublished(this.server.counters, this.server.subscriberCount(topic) - 1, frameSize(data));
    return this.transport.publishFromSelf(topic, data, isBinary);
  }

  // ---- closing ---------------------------------------------------------------------

  /**
   * Closes the session. Buffered packets are flushed first unless `discard` is true.
   *
   * @example
   * socket.close();
   */
  close(discard = false): void {
    if (discard && (this.readyState === "open" || this.readyState === "closing")) {
      if (this.transport.buffersInternally) this.flushNow();
      this.closeTransport(true);
      // A transport whose orderly close is already under way (polling waiting for the next
      // GET to carry the close packet, with its close timer armed) ignores a second close():
      // a discarding close must not wait for it, so the session ends here.
      if ((this.readyState as SocketState) !== "closed") this.onClose("forced close");
      return;
    }
    if (this.readyState !== "open") return;
    this.readyState = "closing";
    // A WebSocket takes what is queued for this tick right away, as it would have without
    // the batching, so the close goes out now and after it.
    if (this.transport.buffersInternally) this.flushNow();
    this.closeWhenDrained();
  }

  /**
   * @internal close(discard), counted in the metrics as closed by `cause` (the engine
   * shutting down, or the Socket.IO layer); its reason stays "forced close", as upstream.
   */
  closeFor(cause: ForcedCloseCause, discard = false): void {
    // Only a close that will happen is noted (the note is taken when the session closes).
    if (this.readyState === "open" || (discard && this.readyState === "closing")) {
      noteForcedCause(this.server.counters, this, cause);
    }
    this.close(discard);
  }

  /**
   * Closes the transport of a closing session once nothing is left to hand over: its
   * writeBuffer, and what a WebSocket transport keeps back (a uWS socket draining one
   * message over the cap; it reports a drain once it has handed that over).
   */
  private closeWhenDrained(): void {
    if (this.readyState !== "closing") return;
    const t = this.transport;
    if (this.writeBuffer.length || (t.buffersInternally && !t.canSend)) {
      this.once("drain", () => this.closeWhenDrained());
      return;
    }
    this.closeTransport(false);
  }

  private closeTransport(discard: boolean): void {
    if (discard) this.transport.discard();
    this.transport.close(() => this.onClose("forced close"));
  }

  /** @internal Final state change; idempotent. */
  onClose(reason: CloseReason, description?: unknown): void {
    if (this.readyState === "closed") return;
    debug("session %s closed: %s", this.id, reason);
    this.readyState = "closed";
    countClosed(this.server.counters, this, this.transport.name, reason);
    this.server.timers.disarm(this);
    this.cancelUpgrade?.();
    // Kept until the next tick so "close" listeners can still read what was not sent.
    process.nextTick(() => {
      this.writeBuffer = NO_PACKETS;
      this.writeBufferBytes = 0;
      this.largestWaiting = 0;
    });
    this.packetsFn = undefined;
    this.clearTransport();
    this.server.sessionClosed(this);
    this.consumer?.onEngineClose(reason, description);
    this.emit("close", reason, description);
  }
}

function noop(): void {}
