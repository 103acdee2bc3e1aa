// The Engine.IO server core: request verification, handshake, session registry, publish.
// Backends (uws-backend.ts, node-backend.ts) turn their requests into EngineRequest /
// HttpExchange and call `handleHttp`, `verifyUpgrade` and `onWebSocketOpen`.
import { EventEmitter } from "node:events";
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import createDebug from "debug";
import type * as uWS from "uWebSockets.js";
import { applyCors } from "./cors";
import { EngineErrorCode, EngineErrorMessage, errorBody, httpStatusFor, InvalidOptionError } from "./errors";
import type { HttpExchange, ResponseHeaders } from "./http-exchange";
import {
  ioThreadsFor,
  normalizePath,
  resolveOptions,
  ResolvedOptions,
  serializeCookie,
  ServerOptions,
  TransportName,
} from "./options";
import type { EngineRequest } from "./request";
import { pinRequest } from "./request";
import { Socket } from "./socket";
import { TimerRegistry } from "./timers";
import { FlushQueue } from "./flush-queue";
import type { Middleware } from "./middleware";
import { defaultId, HandshakeCallback, prepareHandshake, verifyRequest, VerifyCallback } from "./verify";
import type { Transport } from "./transport";
import type { UpgradeVerdict } from "./engine-host";
import { PollingTransport, PollingOptions } from "./transports/polling";
import { PollingTransportV3 } from "./transports/polling-v3";
import { protocolOf, v3SupportsBinary } from "./protocol";
import { attachUws, listenUws, UwsAttachOptions, UwsBinding } from "./uws-backend";
import { bindChosenPort, CHOSEN_PORT_ATTEMPTS, portFreeNow } from "./free-port";
import { awaitReleasedPorts, ThreadedBackend, ThreadedListenOptions } from "./threaded-backend";
import type { WebSocketServer } from "ws";
import { attachNode, NodeAttachOptions, NodeHandler } from "./node-backend";
import { countOpened, countPublished, EngineCounters, frameSize, snapshotEngine, type EngineMetrics } from "./metrics";
import { EventLoopDelay } from "./event-loop-delay";

const debug = createDebug("hyperio:engine:server");

export interface ConnectionError {
  req: EngineRequest;
  code: EngineErrorCode;
  message: string;
  context: Record<string, unknown>;
}

export interface ListenOptions {
  /** Interface to bind (default "0.0.0.0"). */
  host?: string;
}

/**
 * An Engine.IO v4 server on uWebSockets.js (or node:http + ws).
 *
 * @example
 * import { Server } from "hyperio/engine";
 * const engine = new Server({ pingInterval: 10000 });
 * engine.on("connection", (socket) => {
 *   socket.on("message", (data) => socket.send(data));
 * });
 * await engine.listen(3000);
 */
export interface EngineServer {
  on(event: "connection", listener: (socket: Socket) => void): this;
  on(event: "connection_error", listener: (err: ConnectionError) => void): this;
  on(event: "initial_headers" | "headers", listener: (headers: ResponseHeaders, req: EngineRequest) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: "connection", listener: (socket: Socket) => void): this;
  once(event: "connection_error", listener: (err: ConnectionError) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

export class EngineServer extends EventEmitter {
  readonly opts: ResolvedOptions;
  readonly clients = new Map<string, Socket>();
  /** @internal every timer the engine arms (see activeTimers). */
  readonly timers = new TimerRegistry();
  /** @internal WebSocket sessions whose writes of this tick are still queued (flush-queue.ts). */
  readonly wsFlushQueue = new FlushQueue();
  /** @internal polling sessions with a response due at the end of this tick. */
  readonly pollingFlushQueue = new FlushQueue();
  /** @internal the counters behind metrics(), incremented where things happen (metrics.ts). */
  readonly counters = new EngineCounters();
  /** Started by the first metrics() read (event-loop-delay.ts). */
  private readonly loopDelay = new EventLoopDelay();
  /** @internal middlewares registered with `use`, run by the backends. */
  readonly middlewares: Middleware[] = [];
  private uwsBindings: UwsBinding[] = [];
  /** The I/O threads of a listen with `ioThreads` (threaded-backend.ts); undefined otherwise. */
  private threaded: ThreadedBackend | undefined;
  /** The bindings on apps listen() created: close() stops them and forgets them (restart). */
  private readonly listenBindings = new Set<UwsBinding>();
  /** The node:http backend, created on first use (attach, handleRequest, handleUpgrade, ws). */
  private nodeHandler: NodeHandler | undefined;
  /** Set once node:http traffic may reach this engine (its sessions miss uWS publishes). */
  private servesNode = false;
  /**
   * Bumped by close(): a handshake that began before a close and completes after it is
   * refused, so close() leaves no session behind, even one still being created.
   */
  private closeCount = 0;

  constructor(opts: ServerOptions = {}) {
    super();
    this.opts = resolveOptions(opts);
    // Counted as they come and go ("newListener" fires before the listener is in place, so
    // listenerCount would still say 0 there): upgradeIsStatic must be false from the moment
    // someone listens, for the I/O threads that read it (threaded-backend.ts).
    this.on("newListener", (event: string | symbol) => {
      if (event !== "headers" && event !== "initial_headers") return;
      this.headerListeners++;
      this.onUpgradeRulesChange?.();
    });
    this.on("removeListener", (event: string | symbol) => {
      if (event !== "headers" && event !== "initial_headers") return;
      this.headerListeners--;
      this.onUpgradeRulesChange?.();
    });
  }

  /** "headers" and "initial_headers" listeners (see the constructor). */
  private headerListeners = 0;

  /** @internal Told when something upgradeIsStatic reads changed (a listener, a middleware). */
  onUpgradeRulesChange: (() => void) | undefined = undefined;

  /**
   * Adds a connect-style middleware run on every HTTP request and WebSocket upgrade of the
   * engine path, before the engine handles it. An error (thrown, passed to `next` or a
   * rejected promise) answers 400 with context MIDDLEWARE_FAILURE.
   *
   * @example
   * engine.use((req, res, next) => { req.user = lookup(req.headers.cookie); next(); });
   */
  use(fn: Middleware): this {
    if (typeof fn !== "function") throw new InvalidOptionError("use", "expected a middleware function");
    this.middlewares.push(fn);
    this.onUpgradeRulesChange?.();
    return this;
  }

  /** Number of open sessions. */
  get clientsCount(): number {
    return this.clients.size;
  }

  /** Timers currently armed by this engine (0 once every session is closed). */
  get activeTimers(): number {
    return this.timers.size;
  }

  /**
   * A snapshot of this engine's metrics: sessions by transport, packets and bytes each way,
   * backpressure, sessions closed by reason, event-loop delay (docs/METRICS.md). A new
   * plain object each call; reading it walks no session.
   *
   * @example
   * const { connectionsWebsocket, connectionsPolling, closedPingTimeout } = engine.metrics();
   */
  metrics(): EngineMetrics {
    return snapshotEngine(this.counters, this.loopDelay);
  }

  /** true when attached to a uWS app, so topics and `publish` reach WebSocket sessions. */
  get supportsPublish(): boolean {
    return (this.uwsBindings.length > 0 || this.threaded !== undefined) && !this.servesNode;
  }

  // ---- backends --------------------------------------------------------------------

  /**
   * Serves the engine on an existing uWS app (`app.any(path)` + `app.ws(path)`).
   *
   * @example
   * const app = uWS.App();
   * engine.attachApp(app, { path: "/engine.io" });
   * app.listen(3000, () => {});
   */
  attachApp(app: uWS.TemplatedApp, options: UwsAttachOptions = {}): this {
    refuseIoThreads(this.opts.ioThreads, "attachApp(app)");
    if (this.uwsBindings.some((b) => b.app === app)) throw new Error("hyperio/engine: this uWS app is already attached");
    this.uwsBindings.push(attachUws(this, app, this.pathFor(options.path), options));
    return this;
  }

  /**
   * Creates a uWS app, attaches the engine and listens. Resolves with the bound port.
   *
   * @example
   * const port = await engine.listen(0, { host: "127.0.0.1" });
   */
  listen(port: number, options?: ListenOptions | ((port: number | false) => void), cb?: (port: number | false) => void): Promise<number> {
    if (typeof options === "function") {
      cb = options;
      options = undefined;
    }
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new InvalidOptionError("port", `invalid port ${String(port)}`);
    }
    if (options?.host !== undefined && (typeof options.host !== "string" || options.host.length === 0)) {
      throw new InvalidOptionError("host", "expected a non-empty string");
    }
    const register = (binding: UwsBinding): void => {
      this.uwsBindings.push(binding);
      this.listenBindings.add(binding);
    };
    const host = options?.host;
    if (ioThreadsFor(this.opts) > 0) {
      const p = this.listenThreads(port, { host, otherPaths: "501" });
      if (p === undefined) {
        const err = new Error(`hyperio/engine: cannot listen on ${host ?? "0.0.0.0"}:${port}`);
        if (cb) {
          cb(false);
          return Promise.resolve(0);
        }
        return Promise.reject(err);
      }
      cb?.(p);
      return Promise.resolve(p);
    }
    // Port 0: bound on a port chosen first, so it can be bound again after close() (free-port.ts).
    return bindChosenPort(port, host, (p) => listenUws(this, p, host, register)).then(
      (p) => {
        cb?.(p);
        return p;
      },
      (err: Error) => {
        if (cb) {
          cb(false);
          return 0;
        }
        throw err;
      },
    );
  }

  /**
   * Serves the engine on a node:http server (polling via its requests, WebSocket via `ws`).
   * Requests to other paths still reach the server's other handlers.
   *
   * @example
   * const httpServer = http.createServer(expressApp);
   * engine.attach(httpServer, { path: "/engine.io" });
   */
  attach(httpServer: HttpServer, options: NodeAttachOptions = {}): this {
    attachNode(this, this.node(), httpServer, this.pathFor(options.path), options);
    return this;
  }

  /**
   * Handles one Engine.IO HTTP request (polling) on the node:http backend, whatever its path,
   * for apps that route requests themselves instead of calling `attach`, as upstream
   * engine.io's `handleRequest`. Middlewares registered with `use` run first.
   *
   * @example
   * const engine = new Server();
   * http.createServer((req, res) => {
   *   if (req.url?.startsWith("/engine.io/")) engine.handleRequest(req, res);
   *   else app(req, res);
   * });
   */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    this.node().handleRequest(req, res);
  }

  /**
   * Handles one HTTP upgrade (WebSocket) on the node:http backend, whatever its path, as
   * upstream engine.io's `handleUpgrade`. A refused upgrade gets a 400 and is closed.
   *
   * @example
   * httpServer.on("upgrade", (req, socket, head) => {
   *   if (req.url?.startsWith("/engine.io/")) engine.handleUpgrade(req, socket, head);
   *   else socket.destroy();
   * });
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.node().handleUpgrade(req, socket, head);
  }

  /**
   * The `ws` WebSocketServer (noServer mode) that node:http upgrades go through, as upstream
   * engine.io's `engine.ws`; undefined when the websocket transport is not allowed. Created
   * on first use; `close()` closes it and the next upgrade gets a new one. uWS WebSockets do
   * not go through it.
   */
  get ws(): WebSocketServer | undefined {
    // Reading it serves nothing by itself: publish stays available on a uWS-only engine.
    return (this.nodeHandler ??= new NodeHandler(this)).ws;
  }

  /**
   * @internal Serves on `port` through `ioThreadsFor(opts)` I/O threads (threaded-backend.ts),
   * bound before this returns, as a uWS listen is. Port 0 takes a port the OS has free
   * (free-port.ts), which every thread then binds. Returns the port, or undefined when it
   * could not be bound (or another process listens on it too).
   */
  listenThreads(port: number, options: ThreadedListenOptions, onStopped?: () => void): number | undefined {
    const threads = ioThreadsFor(this.opts);
    awaitReleasedPorts();
    // SO_REUSEPORT would let the threads share a port another server holds: refuse it as a
    // plain listen would (EADDRINUSE). With a host the probe cannot bind synchronously.
    if (port !== 0 && options.host === undefined && !portFreeNow(port)) return undefined;
    // Port 0: the threads choose it (listenSync); a port taken meanwhile is another attempt.
    for (let attempt = 0; attempt < (port === 0 ? CHOSEN_PORT_ATTEMPTS : 1); attempt++) {
      const backend = new ThreadedBackend(this);
      backend.onAllExited = onStopped;
      const bound = backend.listenSync(threads, port, options);
      if (bound !== undefined) {
        this.threaded = backend;
        return bound;
      }
    }
    return undefined;
  }

  /** @internal The I/O threads serving this engine (undefined without ioThreads). */
  get ioThreads(): ThreadedBackend | undefined {
    return this.threaded;
  }

  /** The node:http backend, from now on serving this engine's sessions. */
  private node(): NodeHandler {
    refuseIoThreads(this.opts.ioThreads, "the node:http backend (attach, handleRequest, handleUpgrade)");
    this.servesNode = true;
    return (this.nodeHandler ??= new NodeHandler(this));
  }

  /**
   * Transports `transport` may upgrade to (["websocket"] from "polling", else none; none
   * when `allowUpgrades` is false), as upstream engine.io: not filtered by the
   * `transports` option (see `socket.getAvailableUpgrades()`).
   */
  upgrades(transport: string): TransportName[] {
    if (!this.opts.allowUpgrades) return [];
    return transport === "polling" ? ["websocket"] : [];
  }

  private pathFor(path: string | undefined): string {
    if (path === undefined) return this.opts.path;
    if (typeof path !== "string" || path.length === 0) throw new InvalidOptionError("path", "expected a non-empty string");
    return normalizePath(path);
  }

  /**
   * Publishes an encoded Engine.IO message (`"4..."` or a binary frame) to every uWS
   * WebSocket session subscribed to `topic`. Returns whether uWS accepted it.
   */
  publish(topic: string, data: string | Buffer | ArrayBuffer | Uint8Array, isBinary: boolean): boolean {
    // Direct sends queued earlier in this tick go first (see flush-queue.ts).
    this.wsFlushQueue.flushAll();
    countPublished(this.counters, this.subscriberCount(topic), frameSize(data));
    let ok = false;
    for (const b of this.uwsBindings) ok = b.app.publish(topic, data, isBinary, false) || ok;
    if (this.threaded !== undefined) ok = this.threaded.publish(topic, data, isBinary) || ok;
    return ok;
  }

  /** @internal WebSocket sessions subscribed to `topic` (what a publish reaches). */
  subscriberCount(topic: string): number {
    let n = 0;
    for (const b of this.uwsBindings) n += b.app.numSubscribers(topic);
    if (this.threaded !== undefined) n += this.threaded.subscriberCount(topic);
    return n;
  }

  /** Closes every session and stops listening (for a uWS app created by `listen`). */
  close(): this {
    debug("closing all open clients");
    this.closeCount++;
    // close(true) ends each session synchronously, whatever its state (even one whose
    // transport is already closing), so nothing is left armed when this returns.
    for (const socket of [...this.clients.values()]) socket.closeFor("server shutting down", true);
    for (const b of this.uwsBindings) b.close();
    // Kept once closed (publishing to no thread), as attachApp bindings are: the backend
    // kind, and so the Socket.IO layer's adapter and what a restart recovers, stays the same.
    this.threaded?.close();
    // Apps listen() created are closed for good: drop them, so a later listen() (a restart)
    // publishes only to its own App and closed Apps are not kept alive. Apps given to
    // attachApp stay the caller's, still routed to this engine.
    if (this.listenBindings.size > 0) {
      this.uwsBindings = this.uwsBindings.filter((b) => !this.listenBindings.has(b));
      this.listenBindings.clear();
    }
    this.nodeHandler?.close();
    this.loopDelay.stop();
    return this;
  }

  // ---- request handling (called by backends) ---------------------------------------

  /** @internal Handles an HTTP request on the engine path. */
  handleHttp(ex: HttpExchange): void {
    const cors = this.opts.cors;
    const epoch = this.closeCount;
    if (!cors) {
      this.routeHttp(ex, epoch);
      return;
    }
    applyCors(cors, ex.req, (err, result) => {
      if (ex.aborted) return;
      if (err || !result) {
        this.rejectHttp(ex, EngineErrorCode.BAD_REQUEST, { name: "CORS_ERROR", error: err });
        return;
      }
      ex.baseHeaders = { ...ex.baseHeaders, ...result.headers };
      if (result.preflight) {
        ex.respond(result.status, {});
        return;
      }
      this.routeHttp(ex, epoch);
    });
  }

  private routeHttp(ex: HttpExchange, epoch: number): void {
    const req = ex.req;
    this.verify(req, false, (error) => {
      if (ex.aborted) return;
      if (error) {
        this.rejectHttp(ex, error.code, error.context);
        return;
      }
      const sid = req._query.sid;
      if (sid) {
        const client = this.clients.get(sid);
        // The session may have closed while an async step (CORS origin function) ran.
        if (!client || !(client.transport instanceof PollingTransport)) {
          this.rejectHttp(ex, client ? EngineErrorCode.BAD_REQUEST : EngineErrorCode.UNKNOWN_SID, { sid });
          return;
        }
        client.transport.onRequest(ex);
        return;
      }
      this.prepareHandshake(req, (err, id) => {
        if (err) return this.rejectHttp(ex, err.code, err.context);
        if (ex.aborted) return;
        if (epoch !== this.closeCount) return this.rejectHttp(ex, EngineErrorCode.BAD_REQUEST, { name: "SERVER_CLOSED" });
        const transport = this.createPolling(req);
        const socket = this.createSession(id!, req, transport);
        if (socket) transport.onRequest(ex);
      });
    });
  }

  /** @internal A middleware failed on this request. */
  rejectMiddleware(ex: HttpExchange, error: unknown): void {
    this.rejectHttp(ex, EngineErrorCode.BAD_REQUEST, { name: "MIDDLEWARE_FAILURE", error });
  }

  /** @internal A middleware failed on this upgrade request. */
  middlewareUpgradeError(req: EngineRequest, error: unknown): void {
    this.emitConnectionError(req, EngineErrorCode.BAD_REQUEST, { name: "MIDDLEWARE_FAILURE", error });
  }

  private rejectHttp(ex: HttpExchange, code: EngineErrorCode, context: Record<string, unknown>): void {
    this.emitConnectionError(ex.req, code, context);
    ex.respond(
      httpStatusFor(code),
      { "Content-Type": "application/json" },
      errorBody(code, context),
      ex.req.method === "POST",
    );
  }

  private emitConnectionError(req: EngineRequest, code: EngineErrorCode, context: Record<string, unknown>): void {
    const err: ConnectionError = { req, code, message: EngineErrorMessage[code], context };
    // Listeners may keep the request: a uWS one reads what it would read lazily now.
    pinRequest(req);
    this.emit("connection_error", err);
  }

  /** See EngineHost.upgradeIsStatic. */
  upgradeIsStatic(): boolean {
    return (
      this.middlewares.length === 0 &&
      this.opts.allowRequest === undefined &&
      !this.opts.cookie &&
      this.opts.generateId === undefined &&
      this.generateId === EngineServer.prototype.generateId &&
      this.headerListeners === 0
    );
  }

  /**
   * @internal Checks a WebSocket upgrade request. For a new session the id is generated
   * here, before the 101, so an upgrade that never opens leaves nothing behind.
   */
  verifyUpgrade(req: EngineRequest, cb: (verdict: UpgradeVerdict) => void): void {
    const reject = (code: EngineErrorCode, context: Record<string, unknown>): void => {
      this.emitConnectionError(req, code, context);
      cb({ ok: false, code, context });
    };
    const epoch = this.closeCount;
    this.verify(req, true, (error) => {
      if (error) return reject(error.code, error.context);
      // Only the WebSocket transport is served through an HTTP upgrade.
      if (req._query.transport !== "websocket") {
        return reject(EngineErrorCode.BAD_REQUEST, { name: "TRANSPORT_MISMATCH", transport: req._query.transport });
      }
      const sid = req._query.sid;
      const headers: ResponseHeaders = {};
      if (sid) {
        // A session that has upgraded already (or is upgrading, or began on a WebSocket) is
        // not refused here: its WebSocket is accepted and closed at once (onWebSocketOpen),
        // as upstream engine.io does, so the client sees a close rather than an HTTP 400.
        this.emit("headers", headers, req);
        return cb({ ok: true, id: undefined, headers });
      }
      this.prepareHandshake(req, (err, id) => {
        if (err) return reject(err.code, err.context);
        if (epoch !== this.closeCount) return reject(EngineErrorCode.BAD_REQUEST, { name: "SERVER_CLOSED" });
        this.upgradeEpoch.set(req, epoch);
        this.addInitialHeaders(headers, req, id!);
        this.emit("headers", headers, req);
        cb({ ok: true, id, headers });
      });
    });
  }

  /**
   * @internal A WebSocket is open: start a session (`id` from verifyUpgrade) or offer it
   * as the upgrade of an existing polling session. Returns false when the WebSocket is
   * refused and still open: the backend then closes it as upstream engine.io does, with a
   * close frame carrying no status code (the client sees 1005) and nothing sent before.
   */
  onWebSocketOpen(req: EngineRequest, transport: Transport, id: string | undefined): boolean {
    const sid = req._query.sid;
    if (!sid) {
      // Read once and forgotten: the session keeps its request for life, a WeakMap entry with it.
      const epoch = this.upgradeEpoch.get(req);
      this.upgradeEpoch.delete(req);
      if (epoch !== this.closeCount) {
        debug("handshake on a WebSocket opened across engine.close()");
        transport.destroy();
        return true;
      }
      this.createSession(id!, req, transport);
      return true;
    }
    const client = this.clients.get(sid);
    if (!client || client.upgrading || client.upgraded || client.transport.name !== "polling") {
      debug("second WebSocket for a closed, upgrading or upgraded session %s: closing it", sid);
      transport.discard();
      return false;
    }
    client.maybeUpgrade(transport);
    return true;
  }

  private verify(req: EngineRequest, upgrade: boolean, cb: VerifyCallback): void {
    verifyRequest(this.opts, this.clients, req, upgrade, cb);
  }

  private prepareHandshake(req: EngineRequest, cb: HandshakeCallback): void {
    prepareHandshake((r) => this.generateId(r), this.opts.allowEIO3, this.clients, req, cb);
  }

  /**
   * Returns the id of a new session (the `generateId` option, else 120 random bits). May be
   * replaced, as with engine.io; the result may be a Promise.
   *
   * @example
   * engine.generateId = (req) => crypto.randomUUID();
   */
  generateId(req: EngineRequest): string | Promise<string> {
    const gen = this.opts.generateId;
    return gen ? gen(req) : defaultId();
  }

  /** The polling transport of a new session, with the codec of its protocol revision. */
  private createPolling(handshake: EngineRequest): PollingTransport {
    const opts: PollingOptions = {
      maxHttpBufferSize: this.opts.maxHttpBufferSize,
      maxPacketsPerPayload: this.opts.maxPacketsPerPayload,
      httpCompression: this.opts.httpCompression,
      closeTimeout: this.opts.pollingCloseTimeout,
      onHeaders: (headers, req) => {
        if (!req._query.sid) {
          const sid = this.initialSid.get(req);
          this.initialSid.delete(req);
          if (sid !== undefined) this.addInitialHeaders(headers, req, sid);
        }
        // A listener may keep the request past the response (see pinRequest).
        if (this.listenerCount("headers") > 0) pinRequest(req);
        this.emit("headers", headers, req);
      },
      setTimer: (fn, ms) => this.timers.setTimeout(fn, ms),
      clearTimer: (t) => this.timers.clear(t),
    };
    return protocolOf(handshake) === 4
      ? new PollingTransport(opts)
      : new PollingTransportV3(opts, v3SupportsBinary(handshake));
  }

  /** closeCount when a WebSocket handshake was accepted (checked when it opens). */
  private readonly upgradeEpoch = new WeakMap<EngineRequest, number>();

  /** Session id of each handshake request, for its initial response headers. */
  private readonly initialSid = new WeakMap<EngineRequest, string>();

  private addInitialHeaders(headers: ResponseHeaders, req: EngineRequest, id: string): void {
    if (this.opts.cookie) headers["Set-Cookie"] = [serializeCookie(this.opts.cookie, id)];
    this.emit("initial_headers", headers, req);
  }

  private createSession(id: string, req: EngineRequest, transport: Transport): Socket | undefined {
    if (this.clients.has(id)) {
      // Two concurrent handshakes got the same id from a custom generateId.
      transport.destroy();
      return undefined;
    }
    debug("handshaking client %s on %s", id, transport.name);
    // Only a polling handshake's response reads it (onHeaders, once); a WebSocket handshake
    // got its initial headers in verifyUpgrade.
    if (transport.name === "polling") this.initialSid.set(req, id);
    countOpened(this.counters, transport.name);
    const socket = new Socket(id, this, transport, req, protocolOf(req));
    this.clients.set(id, socket);
    this.emit("connection", socket);
    return socket;
  }

  /** @internal A session closed: it leaves the registry (before any "close" listener runs). */
  sessionClosed(socket: Socket): void {
    if (this.clients.get(socket.id) === socket) this.clients.delete(socket.id);
  }
}

/** An explicit `ioThreads` is only for listen(port): the caller's App or http.Server is on this thread. */
function refuseIoThreads(ioThreads: number | undefined, what: string): void {
  if (ioThreads !== undefined && ioThreads > 0) {
    throw new InvalidOptionError("ioThreads", `I/O threads serve only listen(port) on uWS, not ${what}; set ioThreads to 0 here`);
  }
}

export { EngineServer as Server };
