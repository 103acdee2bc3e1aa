// Server: hyperio's entry point, a drop-in for socket.io 4.8's `Server`.
//
// Backends: a port number (`new Server(3000)`, `io.listen(3000)`) serves through a uWS App
// we create; `attachApp(app)` uses the caller's uWS App; an http.Server (`new Server(srv)`,
// `io.attach(srv)`) goes through the engine's node:http + ws backend. All engine options
// given to the constructor are passed to the engine.
//
// The main namespace "/" is `io.sockets`; every EventEmitter method of the Server
// (`io.on("connection")`, `io.emit(...)`) acts on it, as in socket.io.
import type { Server as HttpServer } from "node:http";
import createDebug from "debug";
import type * as uWS from "uWebSockets.js";
import { Adapter } from "./adapter/in-memory-adapter";
import { SessionAwareAdapter } from "./adapter/session-aware-adapter";
import type { AdapterConstructor, Room, SocketId } from "./adapter/types";
import { SessionAwareUwsAdapter, UwsAdapter } from "./adapter/uws-adapter";
import type { BroadcastOperator, RemoteSocket } from "./broadcast-operator";
import { Client } from "./client";
import { defaultParser } from "./default-parser";
import { engineOnApp, engineOnHttp } from "./engine-backend";
import { alreadyAttached, invalidArgument, invalidOption, outOfRange } from "./errors";
import type { EngineServer as HyperioEngine } from "./engine";
import type { EngineServer, EngineSocket } from "./engine-types";
import { loadUws } from "./engine/uws-loader";
import { EngineServer as HyperioEngineClass } from "./engine/server";
import { ioThreadsFor } from "./engine/options";
import { notFoundUws } from "./engine/uws-connection";
import { LegacyClient } from "./legacy-client";
import { Namespace, type ServerReservedEventsMap } from "./namespace";
import { ParentNamespace } from "./parent-namespace";
import type { Encoder, Parser } from "./parser-types";
import {
  SERVER_OPTION_NAMES,
  isHttpServer,
  validateOptions,
  type ParentNspNameMatchFn,
  type ResolvedOptions,
  type ServerOptions,
  type TServerInstance,
} from "./server-options";
import { clientCors, serveClientOnApp, serveClientOnHttp } from "./serve-client";
import type { Socket } from "./socket";
import type { ExtendedError } from "./socket-types";
import { UwsHttpServer } from "./uws-http-server";
import { EventLoopDelay } from "./engine/event-loop-delay";
import { ServerCounters, snapshotServer, type ServerMetrics } from "./metrics/server-metrics";
import { prometheusMetrics } from "./metrics/prometheus";
import { metricsAnswer, serveMetricsOnApp, serveMetricsOnHttp } from "./metrics/serve-metrics";
import type { PromClient } from "./metrics/prom-client";
import {
  StrictEventEmitter,
  type AllButLast,
  type DecorateAcknowledgements,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  type DefaultEventsMap,
  type EventNames,
  type EventNamesWithAck,
  type EventParams,
  type EventsMap,
  type FirstNonErrorArg,
  type Last,
  type RemoveAcknowledgements,
} from "./typed-events";

const debug = createDebug("hyperio:server");

/** http.Server events whose engine listeners close() removes (see engineListeners). */
const DETACHED_EVENTS = ["upgrade", "close"];

export type { ParentNspNameMatchFn, ServerOptions, TServerInstance };

/**
 * A Socket.IO server.
 *
 * @example
 * import { Server } from "hyperio";
 * const io = new Server(3000, { cors: { origin: "*" } });
 * io.on("connection", (socket) => {
 *   socket.emit("hello", "world");
 * });
 */
export class Server<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends StrictEventEmitter<
  ServerSideEvents,
  RemoveAcknowledgements<EmitEvents>,
  ServerReservedEventsMap<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
> {
  /** The main namespace "/". */
  public readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The encoder shared by all namespaces (adapters encode broadcasts with it). */
  public readonly encoder: Encoder;
  /**
   * The Engine.IO server, once attached (hyperio's engine, or the one given to bind()).
   * Typed as hyperio's engine, which is what attach(), listen() and attachApp() create, so
   * users keep `io.engine.use()`, `.on("connection_error")`, `.generateId = ...` (upstream
   * types it as engine.io's Server likewise). This layer itself relies only on the
   * structural EngineServer of engine-types.ts, which is all bind() asks of an engine.
   */
  public engine!: HyperioEngine;
  /**
   * The server listening for this Socket.IO server: the http.Server given to the
   * constructor or attach() (node:http backend), or, after `new Server(port)` /
   * `listen(port)` (uWS backend), a {@link UwsHttpServer} with the parts of http.Server
   * applications read (`address()`, `listening`, `close(cb)`, `listening`/`close`/`error`
   * events). Undefined with attachApp() (the App and its listening are the caller's).
   */
  public httpServer?: TServerInstance | UwsHttpServer;
  /** @internal */
  public readonly _parser: Parser;
  /** @internal */
  public readonly _nsps = new Map<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  /** @internal */
  public _connectTimeout = 45000;
  public readonly opts: ResolvedOptions;
  /** @internal Socket.IO-level metrics counters (src/metrics/server-metrics.ts). */
  public readonly _counters = new ServerCounters();
  /** Event-loop delay for metrics() when the engine does not measure it (bind). */
  private readonly metricsLoopDelay = new EventLoopDelay();
  /** The registry the `metrics` option serves, created on first attach. */
  private metricsRegistry: PromClient.Registry | undefined;

  private readonly parentNsps = new Map<ParentNspNameMatchFn, ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  private readonly parentNamespacesFromRegExp = new Map<RegExp, ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>>();
  private _path = "/socket.io";
  private _serveClient = true;
  private _adapter?: AdapterConstructor;
  /** The last port bound by listen(port) (uWS backend); kept after close() for `io.port`. */
  private boundPort?: number;
  /**
   * Set by close(): the engine is closed and a new attach()/listen()/attachApp() may start a
   * new one (a restart). Namespaces, middlewares and handlers live on the Server, not in the
   * engine, so they serve the next engine unchanged.
   */
  private engineClosed = false;
  /**
   * The "upgrade" and "close" listeners the engine added to the http.Server of attach(),
   * removed by close(): attached again to the same server (a restart), a closed engine must
   * not take upgrades too (with two upgrade listeners on one path, each upgrade would be
   * handled twice; upstream throws there). Requests need nothing: the newest engine's
   * handler sees them first.
   */
  private engineListeners: Array<[string, (...args: any[]) => void]> = [];

  /**
   * @param srv a port (uWS backend), an http.Server (node:http backend), or options
   * @param opts server and engine options
   */
  constructor(opts?: Partial<ServerOptions>);
  constructor(srv?: TServerInstance | number, opts?: Partial<ServerOptions>);
  constructor(srv: undefined | Partial<ServerOptions> | TServerInstance | number, opts?: Partial<ServerOptions>);
  constructor(srv?: undefined | Partial<ServerOptions> | TServerInstance | number, opts: Partial<ServerOptions> = {}) {
    super();
    if (typeof srv === "object" && srv !== null && !isHttpServer(srv)) {
      opts = srv;
      srv = undefined;
    }
    if (opts === null || typeof opts !== "object") throw invalidArgument("options", "must be an object");
    validateOptions(opts);
    const resolved = { ...opts } as ResolvedOptions;
    if (opts.connectionStateRecovery) {
      resolved.connectionStateRecovery = {
        maxDisconnectionDuration: 2 * 60 * 1000,
        skipMiddlewares: true,
        ...opts.connectionStateRecovery,
      } as { maxDisconnectionDuration: number; skipMiddlewares: boolean };
    } else {
      delete resolved.connectionStateRecovery;
    }
    resolved.cleanupEmptyChildNamespaces = !!opts.cleanupEmptyChildNamespaces;
    this.opts = resolved;
    this.path(opts.path ?? "/socket.io");
    this.connectTimeout(opts.connectTimeout ?? 45000);
    this.serveClient(opts.serveClient !== false);
    this._parser = (opts.parser as Parser | undefined) ?? defaultParser();
    this.encoder = new this._parser.Encoder();
    this._adapter = opts.adapter;
    this.sockets = this.of("/");
    if (typeof srv === "number" || isHttpServer(srv)) this.attach(srv);
  }

  /**
   * The engine under its old name: socket.io sets `io.eio` when it attaches to a server, and
   * some applications still read it (`io.eio.clientsCount`). Same object as `io.engine`.
   */
  get eio(): HyperioEngine | undefined {
    return this.engine;
  }

  /** @internal */
  get _opts(): ResolvedOptions {
    return this.opts;
  }

  /**
   * A snapshot of the server's metrics: connections by transport, packets and bytes each
   * way, broadcasts and deliveries, backpressure, sessions closed by reason, connection
   * state recovery hits and misses, event-loop delay (docs/METRICS.md). A new plain object
   * of numbers each call; reading it walks no socket.
   *
   * @example
   * setInterval(() => console.log(io.metrics().connectionsWebsocket), 10_000);
   */
  metrics(): ServerMetrics {
    return snapshotServer(this._counters, this.engine, this.metricsLoopDelay);
  }

  /** The registry of the `metrics` option (created once), or undefined when it is off. */
  private metricsOption(opts: Partial<ServerOptions>): { path: string; registry: PromClient.Registry } | undefined {
    const m = opts.metrics ?? this.opts.metrics;
    if (!m) return undefined;
    this.metricsRegistry ??= prometheusMetrics(this, {
      register: m.register as PromClient.Registry | undefined,
      prefix: m.prefix,
    });
    return { path: m.path ?? "/metrics", registry: this.metricsRegistry };
  }

  /** Whether to serve the client bundles (set before attaching). */
  serveClient(v: boolean): this;
  serveClient(): boolean;
  serveClient(v?: boolean): this | boolean;
  serveClient(v?: boolean): this | boolean {
    if (v === undefined) return this._serveClient;
    if (typeof v !== "boolean") throw invalidOption("serveClient", `must be a boolean, got ${String(v)}`);
    this._serveClient = v;
    return this;
  }

  /** The endpoint path (set before attaching). */
  path(v: string): this;
  path(): string;
  path(v?: string): this | string;
  path(v?: string): this | string {
    if (v === undefined) return this._path;
    if (typeof v !== "string" || !v.startsWith("/")) throw invalidOption("path", `must be a string starting with "/", got ${String(v)}`);
    this._path = v.replace(/\/$/, "");
    return this;
  }

  /** Ms a client may stay connected without joining a namespace. */
  connectTimeout(v: number): this;
  connectTimeout(): number;
  connectTimeout(v?: number): this | number;
  connectTimeout(v?: number): this | number {
    if (v === undefined) return this._connectTimeout;
    if (!(Number.isFinite(v) && v > 0)) throw invalidOption("connectTimeout", `must be a positive number of ms, got ${String(v)}`);
    this._connectTimeout = v;
    return this;
  }

  /** The adapter class; setting it re-creates the adapter of every namespace. */
  adapter(): AdapterConstructor | undefined;
  adapter(v: AdapterConstructor): this;
  adapter(v?: AdapterConstructor): AdapterConstructor | undefined | this {
    if (v === undefined) return this._adapterFor();
    if (typeof v !== "function") throw invalidOption("adapter", "must be an adapter class or factory function");
    this._adapter = v;
    for (const nsp of this._nsps.values()) nsp._initAdapter();
    return this;
  }

  /** @internal The adapter class namespaces use: the configured one, else the backend's default. */
  _adapterFor(): AdapterConstructor {
    if (this._adapter) return this._adapter;
    const recovery = !!this.opts.connectionStateRecovery;
    if ((this.engine as EngineServer | undefined)?.supportsPublish) return recovery ? SessionAwareUwsAdapter : UwsAdapter;
    return recovery ? SessionAwareAdapter : Adapter;
  }

  /**
   * Starts serving: a port number listens through uWS, an http.Server is attached to.
   *
   * @example
   * const io = new Server();
   * io.listen(0);
   * console.log(io.port); // the port the OS chose
   */
  listen(srv?: TServerInstance | number, opts: Partial<ServerOptions> = {}): this {
    return this.attach(srv ?? 0, opts);
  }

  /** Same as listen(). */
  attach(srv: TServerInstance | number, opts: Partial<ServerOptions> = {}): this {
    if (typeof srv === "function") {
      throw invalidArgument("attach(): srv", "needs an http.Server or a port, not a request handler function (pass http.createServer(app))");
    }
    if (this.engine && !this.engineClosed) throw alreadyAttached("hyperio: this server is already attached");
    validateOptions(opts);
    if (typeof srv === "string" && Number(srv) === Number(srv)) srv = Number(srv);
    if (typeof srv === "number") return this.listenUws(srv, opts);
    if (!isHttpServer(srv)) throw invalidArgument("attach(): srv", "needs an http.Server or a port number");
    const engineOpts = this.engineOptions(opts);
    debug("attaching to http server at %s", engineOpts.path);
    const before = new Map(DETACHED_EVENTS.map((ev) => [ev, new Set(srv.listeners(ev))]));
    const engine = engineOnHttp(srv as HttpServer, engineOpts);
    this.engineListeners = DETACHED_EVENTS.flatMap((ev) =>
      srv.listeners(ev).filter((fn) => !before.get(ev)!.has(fn)).map((fn) => [ev, fn] as [string, (...args: any[]) => void]),
    );
    if (this._serveClient) serveClientOnHttp(srv as HttpServer, this._path, clientCors(engineOpts.cors));
    const metrics = this.metricsOption(opts);
    if (metrics) serveMetricsOnHttp(srv as HttpServer, metrics.path, metrics.registry);
    this.httpServer = srv;
    this.bind(engine);
    return this;
  }

  private listenUws(port: number, opts: Partial<ServerOptions>): this {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw outOfRange("port", `must be an integer 0..65535, got ${port}`);
    const { uws } = loadUws(opts.allowUwsShim ?? this.opts.allowUwsShim);
    if (ioThreadsFor(this.engineOptions(opts)) > 0) return this.listenThreads(port, opts);
    const app = uws.App();
    this.attachApp(app, opts);
    // Our own App: anything no route took gets a 404 (uWS would drop the connection).
    app.any("/*", notFoundUws);
    const server = new UwsHttpServer();
    this.httpServer = server;
    // As engine.io on an http.Server: closing the server (io.httpServer.close()) closes the
    // engine, and this Server may then listen again.
    const engine = this.engine;
    server.once("close", () => {
      engine.close();
      if (this.engine === engine) this.engineClosed = true;
    });
    this.boundPort = server._listen(uws, app, port);
    if (this.boundPort === undefined) {
      // As upstream's http.Server: no throw, an asynchronous "error" event (EADDRINUSE) on
      // io.httpServer. Nothing is served, so the engine is closed and listen() may be
      // called again.
      this.engine.close();
      this.engineClosed = true;
      return this;
    }
    debug("listening on port %d (uWS)", this.boundPort);
    return this;
  }

  /**
   * listen(port) with I/O threads (`ioThreads`): they own the port and serve the client
   * bundle; this thread keeps the engine and everything above it.
   */
  private listenThreads(port: number, opts: Partial<ServerOptions>): this {
    const engineOpts = this.engineOptions(opts);
    const engine = new HyperioEngineClass(engineOpts);
    const server = new UwsHttpServer();
    this.httpServer = server;
    const metrics = this.metricsOption(opts);
    let stopped: (() => void) | undefined;
    let gone = false;
    const bound = engine.listenThreads(
      port,
      {
        clientPath: this._serveClient ? this._path : undefined,
        clientCors: clientCors(engineOpts.cors),
        otherPaths: "404",
        metrics: metrics && { path: metrics.path, answer: () => metricsAnswer(metrics.registry) },
      },
      () => {
        gone = true;
        stopped?.();
      },
    );
    this.bind(engine);
    if (bound === undefined) {
      engine.close();
      this.engineClosed = true;
      server._listen({ us_listen_socket_close() {}, us_socket_local_port: () => port }, failingApp(), port);
      return this;
    }
    this.boundPort = bound;
    server.once("close", () => {
      engine.close();
      if (this.engine === engine) this.engineClosed = true;
    });
    server._adopt(bound, (done) => {
      engine.close();
      if (gone) done();
      else stopped = done;
    });
    debug("listening on port %d (%d I/O threads)", bound, engine.ioThreads?.threadCount);
    return this;
  }

  /** The TCP port listened on by listen()/new Server(port) (useful with port 0). */
  get port(): number | undefined {
    return this.boundPort ?? ((this.httpServer as HttpServer | undefined)?.address() as { port?: number } | null)?.port;
  }

  /**
   * Serves on an existing uWS App.
   *
   * @example
   * const app = uWS.App();
   * io.attachApp(app);
   * app.listen(3000, () => {});
   */
  attachApp(app: uWS.TemplatedApp, opts: Partial<ServerOptions> = {}): void {
    if (this.engine && !this.engineClosed) throw alreadyAttached("hyperio: this server is already attached");
    validateOptions(opts);
    const engineOpts = this.engineOptions(opts);
    // Our route goes first; it yields every URL that is not a client bundle to the engine.
    if (this._serveClient) serveClientOnApp(app, this._path, clientCors(engineOpts.cors));
    const metrics = this.metricsOption(opts);
    if (metrics) serveMetricsOnApp(app, metrics.path, metrics.registry);
    debug("attaching to uWS app at %s", engineOpts.path);
    this.bind(engineOnApp(app, engineOpts));
  }

  private engineOptions(opts: Partial<ServerOptions>): Record<string, any> {
    const merged: Record<string, any> = {};
    for (const [key, value] of Object.entries({ ...this.opts, ...opts })) {
      if (!SERVER_OPTION_NAMES.has(key)) merged[key] = value;
    }
    merged.path = opts.path ?? this._path;
    return merged;
  }

  /**
   * Uses an already created Engine.IO server (hyperio's or engine.io 6's).
   *
   * @example
   * const engine = new EngineServer();
   * io.bind(engine);
   */
  bind(engine: EngineServer): this {
    const defaultBefore = this._adapter ? undefined : this._adapterFor();
    // Typed for users as hyperio's engine (see `engine`); another engine's extras are the
    // user's to know about, this layer uses none of them.
    this.engine = engine as HyperioEngine;
    this.engineClosed = false;
    engine.on("connection", (conn: EngineSocket) => this.onconnection(conn));
    // The default adapter depends on the backend (UwsAdapter when the engine can publish).
    // A restart on the same backend keeps the adapters, as upstream does: sessions persisted
    // by close() ("server shutting down") are restored when their clients come back.
    if (defaultBefore && defaultBefore !== this._adapterFor()) {
      for (const nsp of this._nsps.values()) nsp._initAdapter();
    }
    return this;
  }

  private onconnection(conn: EngineSocket): void {
    debug("engine connection %s", conn.id);
    // Engine.IO v3 (`allowEIO3`) means a Socket.IO v2 client: its Client joins "/" implicitly.
    if (conn.protocol === 3) new LegacyClient(this, conn);
    else new Client(this, conn);
  }

  /** @internal Finds (or creates through a parent) the dynamic namespace `name`. */
  _checkNamespace(
    name: string,
    auth: { [key: string]: any },
    fn: (nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | false) => void,
  ): void {
    if (this.parentNsps.size === 0) return fn(false);
    const matchers = [...this.parentNsps.keys()];
    const tryNext = (i: number): void => {
      if (i >= matchers.length) return fn(false);
      const matcher = matchers[i];
      let answered = false;
      const answer = (err: Error | null, allow: boolean) => {
        if (answered) return;
        answered = true;
        if (err || !allow) return tryNext(i + 1);
        const existing = this._nsps.get(name);
        if (existing) return fn(existing);
        fn(this.parentNsps.get(matcher)!.createChild(name));
      };
      try {
        matcher(name, auth, answer);
      } catch (err) {
        debug("namespace matcher threw: %s", err);
        answer(err as Error, false);
      }
    };
    tryNext(0);
  }

  /**
   * Returns the namespace `name`, creating it. A RegExp or a function creates a parent
   * namespace whose children are made on demand.
   *
   * @example
   * const chat = io.of("/chat");
   * io.of(/^\/room-\d+$/).on("connection", (socket) => {});
   */
  of(
    name: string | RegExp | ParentNspNameMatchFn,
    fn?: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    if (typeof name === "function" || name instanceof RegExp) {
      const parent = new ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this);
      if (typeof name === "function") {
        this.parentNsps.set(name, parent);
      } else {
        if (name.global || name.sticky) throw invalidArgument("of(): name", "stateful regular expressions (g, y flags) are not supported");
        const re = name;
        this.parentNsps.set((nsp, _auth, next) => next(null, re.test(nsp)), parent);
        this.parentNamespacesFromRegExp.set(re, parent);
      }
      if (fn) parent.on("connect", fn);
      return parent;
    }
    if (typeof name !== "string") throw invalidArgument("of(): name", "needs a string, a RegExp or a function");
    if (name[0] !== "/") name = "/" + name;
    let nsp = this._nsps.get(name);
    if (!nsp) {
      for (const [re, parent] of this.parentNamespacesFromRegExp) {
        if (re.test(name)) {
          nsp = parent.createChild(name);
          if (fn) nsp.on("connect", fn);
          return nsp;
        }
      }
      debug("creating namespace %s", name);
      nsp = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this, name);
      this._nsps.set(name, nsp);
      if (name !== "/") this.sockets._emitNewNamespace(nsp);
    }
    if (fn) nsp.on("connect", fn);
    return nsp;
  }

  /**
   * Disconnects every socket, closes the engine and stops listening.
   *
   * @example
   * await io.close();
   */
  async close(fn?: (err?: Error) => void): Promise<void> {
    // What is closed is what serves now: a listen() made while the adapters close (a
    // restart that did not wait for close()) belongs to the next run.
    const engine = this.engine;
    const httpServer = this.httpServer;
    const engineListeners = this.engineListeners;
    this.engineListeners = [];
    await Promise.allSettled(
      [...this._nsps.values()].map(async (nsp) => {
        for (const socket of [...nsp.sockets.values()]) socket._onclose("server shutting down");
        await nsp.adapter.close();
      }),
    );
    engine?.close();
    if (engine && engine === this.engine) this.engineClosed = true;
    for (const [ev, fn] of engineListeners) (httpServer as HttpServer).removeListener(ev, fn);
    if (httpServer) {
      // A node http.Server or our UwsHttpServer: both call back with ERR_SERVER_NOT_RUNNING
      // when already closed, as upstream reports it.
      const srv = httpServer as Pick<HttpServer, "close">;
      return new Promise<void>((resolve) => {
        srv.close((err) => {
          if (err) debug("http server was not running");
          fn?.(err);
          resolve();
        });
      });
    }
    fn?.();
  }

  /** Adds a connection middleware to the main namespace. */
  use(fn: (socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, next: (err?: ExtendedError) => void) => void): this {
    this.sockets.use(fn);
    return this;
  }

  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.to(room);
  }

  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.in(room);
  }

  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.except(room);
  }

  send(...args: EventParams<EmitEvents, "message">): this {
    this.sockets.send(...args);
    return this;
  }

  write(...args: EventParams<EmitEvents, "message">): this {
    this.sockets.write(...args);
    return this;
  }

  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<DecorateAcknowledgementsWithTimeoutAndMultipleResponses<ServerSideEvents>, Ev>
  ): boolean {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<ServerSideEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<ServerSideEvents, Ev>>>[]> {
    return this.sockets.serverSideEmitWithAck(ev, ...args);
  }

  allSockets(): Promise<Set<SocketId>> {
    return this.sockets.allSockets();
  }

  compress(compress: boolean): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.compress(compress);
  }

  get volatile(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.volatile;
  }

  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.local;
  }

  timeout(
    timeout: number,
  ): BroadcastOperator<DecorateAcknowledgements<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>>, SocketData> {
    return this.sockets.timeout(timeout);
  }

  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.sockets.fetchSockets();
  }

  socketsJoin(room: Room | Room[]): void {
    this.sockets.socketsJoin(room);
  }

  socketsLeave(room: Room | Room[]): void {
    this.sockets.socketsLeave(room);
  }

  disconnectSockets(close = false): void {
    this.sockets.disconnectSockets(close);
  }
}

// Every EventEmitter method of the Server acts on the main namespace (io.on("connection"),
// io.emit(...) broadcasting, io.listeners(...)), as socket.io does. These are our own
// class's methods, defined once here; no foreign prototype is touched.
const emitterMethods = new Set<string>();
for (let proto = StrictEventEmitter.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
  for (const name of Object.getOwnPropertyNames(proto)) {
    if (name !== "constructor" && typeof Object.getOwnPropertyDescriptor(proto, name)?.value === "function") emitterMethods.add(name);
  }
}
for (const method of emitterMethods) {
  Object.defineProperty(Server.prototype, method, {
    configurable: true,
    writable: true,
    value: function (this: Server, ...args: unknown[]) {
      return (this.sockets as any)[method](...args);
    },
  });
}

/** A uWS App stand-in whose listen always fails: reports a threaded bind failure as uWS's would be. */
function failingApp(): uWS.TemplatedApp {
  return { listen: (_port: number, _opts: unknown, cb: (ls: false) => void) => cb(false) } as unknown as uWS.TemplatedApp;
}
