// One Engine.IO session: heartbeat, write buffer, transport switch on upgrade, topics.
//
// Invariants:
// - `writeBuffer` holds packets while the transport cannot take them (polling without a
//   pending GET), its size capped by `maxBufferedBytes` ("buffer limit exceeded"), and on a
//   WebSocket until the end of the tick (under 16 KiB; see flush-queue.ts): a WebSocket
//   session's writes go out once per tick, before any publish and before its close;
// - at any instant the session has exactly one active transport, and its topics are applied
//   to that transport iff it is a uWS WebSocket (switched synchronously on upgrade, so a
//   publish reaches the session exactly once);
// - after "close" no timer of this session remains armed.
import { EventEmitter } from "node:events";
import createDebug from "debug";
import { isBinary, Packet, PacketOptions, PacketType, RawData, toBuffer } from "../parser/engine-io";
import type { ResolvedOptions, TransportName } from "./options";
import type { EngineRequest } from "./request";
import type { TimerRegistry } from "./timers";
import type { FlushQueue } from "./flush-queue";
import { Transport, TransportError } from "./transport";

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
  emit(event: string, ...args: unknown[]): boolean;
}

const UPGRADE_CHECK_MS = 100;

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

export class Socket extends EventEmitter {
  readonly id: string;
  readonly protocol = 4;
  readonly request: EngineRequest;
  readonly remoteAddress: string;
  readyState: SocketState = "opening";
  transport!: Transport;
  upgrading = false;
  upgraded = false;
  /** Topics this session is subscribed to (applied to a uWS WebSocket transport). */
  readonly topics = new Set<string>();

  private writeBuffer: Packet[] = [];
  private writeBufferBytes = 0;
  private packetsFn: SendCallback[] = [];
  private flushScheduled = false;
  private pingIntervalTimer: NodeJS.Timeout | undefined;
  private pingTimeoutTimer: NodeJS.Timeout | undefined;
  private hasRefreshedPingTimeout = false;
  private detachTransport: (() => void) | undefined;
  private cancelUpgrade: (() => void) | undefined;

  /** @internal created by the server once the handshake is accepted. */
  constructor(
    id: string,
    readonly server: SessionHost,
    transport: Transport,
    req: EngineRequest,
  ) {
    super();
    this.id = id;
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
    this.schedulePing();
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
    const timers = this.server.timers;
    timers.clear(this.pingIntervalTimer);
    this.pingIntervalTimer = timers.setTimeout(() => {
      this.pingIntervalTimer = undefined;
      this.hasRefreshedPingTimeout = false;
      this.sendPacket("ping");
      this.resetPingTimeout();
    }, this.opts.pingInterval);
  }

  private resetPingTimeout(): void {
    // Sending the ping may itself have closed the session (buffer limit): arm nothing then.
    if (this.readyState === "closed") return;
    const timers = this.server.timers;
    timers.clear(this.pingTimeoutTimer);
    this.pingTimeoutTimer = timers.setTimeout(() => {
      this.pingTimeoutTimer = undefined;
      if (this.readyState !== "closed") this.onClose("ping timeout");
    }, this.opts.pingTimeout);
  }

  // ---- incoming --------------------------------------------------------------------

  private onPacket(packet: Packet): void {
    if (this.readyState !== "open") return;
    this.emit("packet", packet);
    // A client busy sending may have its pong queued behind data: grant one extension.
    if (this.pingTimeoutTimer && !this.hasRefreshedPingTimeout && packet.type !== "pong") {
      this.pingTimeoutTimer.refresh();
      this.hasRefreshedPingTimeout = true;
    }
    switch (packet.type) {
      case "ping":
        // v4: only the server pings (probes travel on the upgrading transport).
        this.onError(new TransportError("invalid heartbeat direction"));
        return;
      case "pong":
        this.server.timers.clear(this.pingTimeoutTimer);
        this.pingTimeoutTimer = undefined;
        this.schedulePing();
        this.emit("heartbeat");
        return;
      case "message": {
        const data = packet.data ?? "";
        this.emit("data", data);
        this.emit("message", data);
        return;
      }
      default:
        return;
    }
  }

  private onError(err: Error): void {
    debug("transport error %s", err.message);
    if (err instanceof TransportError && err.isParseError) this.onClose("parse error", err);
    else this.onClose("transport error", err);
  }

  // ---- transport management --------------------------------------------------------

  private setTransport(transport: Transport): void {
    const onError = (err: Error): void => this.onError(err);
    const onReady = (): void => this.flush();
    const onPacket = (p: Packet): void => this.onPacket(p);
    const onDrain = (): void => {
      this.flush();
      this.emit("drain");
    };
    const onClose = (): void => this.onClose("transport close");
    const onOverflow = (): void => this.onClose("buffer limit exceeded");
    this.transport = transport;
    transport.once("error", onError);
    transport.on("ready", onReady);
    transport.on("packet", onPacket);
    transport.on("drain", onDrain);
    transport.once("close", onClose);
    transport.on("overflow", onOverflow);
    this.detachTransport = () => {
      transport.removeListener("error", onError);
      transport.removeListener("ready", onReady);
      transport.removeListener("packet", onPacket);
      transport.removeListener("drain", onDrain);
      transport.removeListener("close", onClose);
      transport.removeListener("overflow", onOverflow);
    };
  }

  /**
   * Detaches and closes the current transport for good. destroy(), not close(): an orderly
   * close already under way (a polling transport waiting for its next GET, e.g. when the
   * session was closing during an upgrade) must end now, not keep a timer armed.
   */
  private clearTransport(): void {
    const t = this.transport;
    this.detachTransport?.();
    this.detachTransport = undefined;
    // Errors of a transport we no longer listen to must not become uncaught exceptions.
    t.on("error", () => debug("error from a discarded transport"));
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
        this.clearTransport();
        this.setTransport(transport);
        transport.sid = this.id;
        // Same tick as the switch: publishes from now on reach this session via the socket.
        transport.applyTopics(this.topics);
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
    const cleanup = (): void => {
      done = true;
      this.upgrading = false;
      this.cancelUpgrade = undefined;
      timers.clear(checkTimer);
      timers.clear(upgradeTimer);
      transport.removeListener("packet", onPacket);
      transport.removeListener("close", onTransportGone);
      transport.removeListener("error", onTransportGone);
    };
    this.cancelUpgrade = onTransportGone;
    transport.on("packet", onPacket);
    transport.once("close", onTransportGone);
    transport.once("error", onTransportGone);
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
    this.writeBuffer.push(packet);
    this.writeBufferBytes += packet.data === undefined ? 1 : packet.data.length + 1;
    if (typeof callback === "function") this.packetsFn.push(callback);
    if (this.transport.buffersInternally) {
      // WebSocket: batched per tick (see flush-queue.ts), but never holding more than one
      // batch: past that it goes to the transport now, whose own limit then applies.
      if (this.writeBufferBytes >= WS_BATCH_BYTES) this.flushNow();
      else this.flush();
      return;
    }
    if (this.writeBufferBytes > this.opts.maxBufferedBytes) {
      debug("session %s: write buffer over maxBufferedBytes", this.id);
      this.onClose("buffer limit exceeded");
      return;
    }
    this.flush();
  }

  /**
   * Schedules handing buffered packets to the transport, once per tick: a polling response
   * carries every packet sent in the same tick, and a WebSocket gets them in one write.
   */
  private flush(): void {
    if (this.readyState === "closed" || this.writeBuffer.length === 0) return;
    const t = this.transport;
    if (!t.writable && !t.buffersInternally) return;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    (t.buffersInternally ? this.server.wsFlushQueue : this.server.pollingFlushQueue).add(this);
  }

  /** @internal Called by the flush queue this session was added to. */
  flushQueued(): void {
    this.flushScheduled = false;
    this.flushNow();
  }

  private flushNow(): void {
    const t = this.transport;
    if (this.readyState === "closed" || this.writeBuffer.length === 0) return;
    if (!t.writable && !t.buffersInternally) return;
    const wbuf = this.writeBuffer;
    const fns = this.packetsFn;
    this.writeBuffer = [];
    this.writeBufferBytes = 0;
    this.packetsFn = [];
    this.emit("flush", wbuf);
    this.server.emit("flush", this, wbuf);
    t.send(wbuf);
    for (const fn of fns) fn(t);
    this.emit("drain");
    this.server.emit("drain", this);
  }

  // ---- topics (uWS fanout) ---------------------------------------------------------

  /** Subscribes this session to a uWS topic (no-op for delivery while on polling). */
  subscribe(topic: string): void {
    if (this.topics.has(topic)) return;
    this.topics.add(topic);
    if (this.readyState !== "closed") this.transport.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    if (!this.topics.delete(topic)) return;
    if (this.readyState !== "closed") this.transport.unsubscribe(topic);
  }

  /**
   * Publishes an encoded Engine.IO message to a topic's uWS subscribers except this
   * session. Returns false when the session is not on a uWS WebSocket.
   */
  publishFromSelf(topic: string, data: string | Buffer, isBinary: boolean): boolean {
    if (this.readyState !== "open") return false;
    // Direct sends queued earlier in this tick go first (see flush-queue.ts).
    this.server.wsFlushQueue.flushAll();
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
    if (this.writeBuffer.length) {
      this.once("drain", () => this.closeTransport(false));
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
    const timers = this.server.timers;
    timers.clear(this.pingIntervalTimer);
    timers.clear(this.pingTimeoutTimer);
    this.pingIntervalTimer = this.pingTimeoutTimer = undefined;
    this.cancelUpgrade?.();
    // Kept until the next tick so "close" listeners can still read what was not sent.
    process.nextTick(() => {
      this.writeBuffer = [];
      this.writeBufferBytes = 0;
    });
    this.packetsFn = [];
    this.clearTransport();
    this.emit("close", reason, description);
  }
}
