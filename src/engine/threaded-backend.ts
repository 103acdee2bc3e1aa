// The backend of `ioThreads: N`: N I/O threads (workers/io-thread.ts) each run a uWS App on the
// same port and own the connections they accept; the engine, its sessions and all user code
// stay on this thread. It sees the engine only as an EngineHost, as uws-backend.ts does.
//
// - HTTP (polling, handshake, CORS preflight) arriving on any thread comes here as one event
//   with its body, and goes back as one response command to the thread holding the
//   connection: a session's requests may use any thread's connections (keep-alive reuse).
// - An upgrade is verified here and completed by the thread that received it, which then owns
//   the WebSocket: a polling session may upgrade through another thread than its polls. A new
//   WebSocket-only session the engine has nothing to decide about (upgradeIsStatic) is
//   completed by the thread at once, in uWS's upgrade handler, and verified here when its
//   event arrives (onUpgraded): the pinned uWS's cork() cuts some async upgrades (README).
// - A publish is handed once to each live thread (the frame is copied once per thread by
//   postMessage); each thread publishes it to its own subscribers in C++.
// - Per thread one ordered command stream, flushed once per loop turn (setImmediate), so a
//   socket sees its writes, subscriptions and the publishes it receives in call order.
// - A thread that dies takes only its own connections: their sessions close with
//   "transport close", its waiting requests are dropped, the others keep serving the port.
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import createDebug from "debug";
import type { EngineHost } from "./engine-host";
import type { BodyResult, HttpExchange, ResponseHeaders } from "./http-exchange";
import { runWithCollector } from "./middleware";
import { EngineErrorCode, errorMessage } from "./errors";
import { EngineRequest, parseQuery, pathOf } from "./request";
import { protocolOf, v3SupportsBinary } from "./protocol";
import { Cmd, CloseKind, Evt, EVT_ARITY, IoThreadConfig, ListenState, PORT_ABANDONED } from "./thread-protocol";
import { freePortNow, othersListeningOn } from "./free-port";
import {
  ThreadSocketLink,
  ThreadWebSocketOptions,
  ThreadWebSocketTransport,
  ThreadWebSocketTransportV3,
} from "./transports/thread-websocket";

const debug = createDebug("hyperio:engine:threaded-backend");

/** How long start-up may take before listen gives up (threads load and compile hyperio). */
const START_TIMEOUT_MS = 30_000;

/** How long a listen waits for closed backends of this process to release their port. */
const RELEASE_TIMEOUT_MS = 5_000;

/**
 * Backends closed whose threads may still hold their listen sockets: a listen waits for them
 * first, so a restart on the same port is not refused (or shared) by the threads going away.
 */
const releasing = new Set<ThreadedBackend>();

/** Backends whose threads run. */
const running = new Set<ThreadedBackend>();

/** How long process exit waits for the threads to close their uWS handles. */
const EXIT_TIMEOUT_MS = 2_000;

/**
 * process.exit() (or the end of the main script) with threads serving: node stops the
 * workers then, and a worker stopped with uWS handles open aborts the whole process (seen by
 * threads-measure with 10,000 open WebSockets). So each thread is told to shut down and
 * waited for, blocking and bounded, until it has closed them (RELEASED); it can, as a worker
 * runs its own loop while this one waits.
 */
function releaseOnExit(): void {
  const deadline = Date.now() + EXIT_TIMEOUT_MS;
  for (const b of running) b.shutdownBlocking(deadline);
}
let exitHooked = false;

/** Waits (blocking, bounded) until every closed backend's threads have let their port go. */
export function awaitReleasedPorts(): void {
  const deadline = Date.now() + RELEASE_TIMEOUT_MS;
  for (const b of releasing) {
    b.awaitReleased(deadline);
    releasing.delete(b);
  }
}

/** Options of the threaded listen besides the engine's own. */
export interface ThreadedListenOptions {
  host?: string;
  /** Serve the Socket.IO client bundle under this path. */
  clientPath?: string;
  clientCors?: unknown;
  otherPaths: "404" | "501";
  /** The `metrics: { path }` option: GET <path> answered here from the registry. */
  metrics?: MetricsRoute;
}

/** What GET <metrics path> is answered with (src/metrics/serve-metrics.ts makes it). */
export interface MetricsAnswer {
  status: 200 | 500;
  contentType?: string;
  body: string;
}

/** The `metrics: { path }` option as the threads serve it: `answer` is asked per request. */
export interface MetricsRoute {
  path: string;
  answer(): Promise<MetricsAnswer>;
}

/**
 * The thread entry point, workers/io-thread at the same place relative to this file in the
 * source tree and in dist/ (which mirrors it): io-thread.js in a build, io-thread.ts when
 * hyperio runs from source under tsx (tests), where the thread must register tsx itself (a
 * worker does not inherit the loader hooks of `--import tsx`).
 */
function workerEntry(): { file: string; eval: boolean } {
  const fromSource = __filename.endsWith(".ts");
  const file = join(__dirname, "..", "..", "workers", fromSource ? "io-thread.ts" : "io-thread.js");
  if (!fromSource) return { file, eval: false };
  const tsx = require.resolve("tsx/cjs");
  return { file: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, eval: true };
}

/** A request snapshot from a thread, as snapshotUwsRequest makes them (null-prototype records). */
/** The `cors` option without an origin function (what can cross to a thread). */
function plainCors(cors: unknown): unknown {
  if (!cors || typeof cors !== "object") return cors ?? false;
  return hasOriginFunction(cors) ? { ...(cors as object), origin: undefined } : cors;
}

function hasOriginFunction(cors: unknown): boolean {
  return !!cors && typeof (cors as { origin?: unknown }).origin === "function";
}

function requestFromThread(plain: { method: string; url: string; headers: Record<string, string>; remoteAddress: string }): EngineRequest {
  const headers: Record<string, string> = {};
  Object.setPrototypeOf(headers, null);
  for (const k of Object.keys(plain.headers)) headers[k] = plain.headers[k];
  const q = plain.url.indexOf("?");
  const conn = { remoteAddress: plain.remoteAddress, encrypted: false };
  return {
    method: plain.method,
    url: plain.url,
    headers,
    _query: parseQuery(q === -1 ? "" : plain.url.slice(q + 1)),
    remoteAddress: plain.remoteAddress,
    connection: conn,
    socket: conn,
  };
}

/** Answers a metrics request from the route's registry (serve-metrics.ts). */
function serveMetrics(ex: ThreadHttpExchange, route: MetricsRoute): void {
  void route.answer().then((a) => ex.respond(a.status, a.contentType !== undefined ? { "Content-Type": a.contentType } : {}, a.body));
}

/** An HTTP request held by a thread, answered with one command. */
class ThreadHttpExchange implements HttpExchange {
  aborted = false;
  responded = false;
  baseHeaders: ResponseHeaders = {};
  private abortCb: (() => void) | undefined;

  constructor(
    private readonly link: ThreadLink,
    private readonly reqId: number,
    readonly req: EngineRequest,
    private readonly body: BodyResult | undefined,
  ) {}

  onAbort(cb: (() => void) | undefined): void {
    this.abortCb = cb;
  }

  /** The client went away (or its thread died). */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const cb = this.abortCb;
    this.abortCb = undefined;
    cb?.();
  }

  respond(status: number, headers: ResponseHeaders, body?: string | Buffer, closeConnection = false): void {
    if (this.aborted || this.responded) return;
    this.responded = true;
    this.abortCb = undefined;
    this.link.exchanges.delete(this.reqId);
    this.link.push5(Cmd.HTTP_RESPONSE, this.reqId, status, { ...this.baseHeaders, ...headers }, body ?? "", closeConnection);
  }

  readBody(_limit: number, cb: (result: BodyResult) => void): void {
    // Read by the thread up to maxHttpBufferSize before the request came here.
    cb(this.body ?? { ok: true, body: Buffer.alloc(0) });
  }
}

interface PendingSocket {
  req: EngineRequest;
  id: string | undefined;
}

/** The main thread's end of one I/O thread: its command stream and what it holds. */
class ThreadLink implements ThreadSocketLink {
  readonly worker: Worker;
  alive = true;
  readonly exchanges = new Map<number, ThreadHttpExchange>();
  readonly transports = new Map<number, ThreadWebSocketTransport>();
  /** Accepted upgrades whose socket has not opened yet. */
  readonly pending = new Map<number, PendingSocket>();
  /** Upgrades a thread completed at once whose verdict is not in yet, and whether OPEN came. */
  readonly verdictDue = new Map<number, "waiting" | "opened">();
  private out: unknown[] = [];
  private armed = false;
  private readonly flush = (): void => {
    this.armed = false;
    this.flushNow();
  };

  constructor(
    private readonly backend: ThreadedBackend,
    readonly index: number,
    config: IoThreadConfig,
  ) {
    const entry = workerEntry();
    this.worker = new Worker(entry.file, { eval: entry.eval, workerData: config, execArgv: [] });
    this.worker.on("message", (batch: unknown[]) => backend.onBatch(this, batch));
    this.worker.on("error", (err) => debug("I/O thread %d failed: %s", index, err));
    this.worker.on("exit", (code) => backend.onExit(this, code));
  }

  private arm(): void {
    if (!this.armed) {
      this.armed = true;
      setImmediate(this.flush);
    }
  }

  flushNow(): void {
    if (this.out.length === 0 || !this.alive) return;
    const batch = this.out;
    this.out = [];
    this.worker.postMessage(batch);
  }

  push1(op: number, a: unknown): void {
    if (!this.alive) return;
    this.out.push(op, a);
    this.arm();
  }
  push2(op: number, a: unknown, b: unknown): void {
    if (!this.alive) return;
    this.out.push(op, a, b);
    this.arm();
  }
  push3(op: number, a: unknown, b: unknown, c: unknown): void {
    if (!this.alive) return;
    this.out.push(op, a, b, c);
    this.arm();
  }
  push4(op: number, a: unknown, b: unknown, c: unknown, d: unknown): void {
    if (!this.alive) return;
    this.out.push(op, a, b, c, d);
    this.arm();
  }
  push5(op: number, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown): void {
    if (!this.alive) return;
    this.out.push(op, a, b, c, d, e);
    this.arm();
  }
  pushNow(op: number): void {
    if (!this.alive) return;
    this.out.push(op);
    this.flushNow();
  }

  // ---- ThreadSocketLink ----
  write(wsId: number, frames: Array<string | Buffer>, compress: boolean[] | null): void {
    this.push3(Cmd.WRITE, wsId, frames, compress);
  }
  subscribe(wsId: number, topic: string): void {
    this.backend.countSubscriber(topic, 1);
    this.push2(Cmd.SUBSCRIBE, wsId, topic);
  }
  unsubscribe(wsId: number, topic: string): void {
    this.backend.countSubscriber(topic, -1);
    this.push2(Cmd.UNSUBSCRIBE, wsId, topic);
  }
  publishFrom(wsId: number, topic: string, data: string | Buffer, isBinary: boolean): void {
    this.backend.publishFrom(this, wsId, topic, data, isBinary);
  }
  end(wsId: number, code: number): void {
    this.push2(Cmd.END, wsId, code);
  }
  forget(wsId: number, topics: ReadonlySet<string>): void {
    this.transports.delete(wsId);
    for (const topic of topics) this.backend.countSubscriber(topic, -1);
  }
}

export class ThreadedBackend {
  private readonly links: ThreadLink[] = [];
  private nextWsId = 1;
  private closed = false;
  private exited = 0;
  private readonly wsOpts: ThreadWebSocketOptions;
  /** @internal Test hook: told which thread carried each HTTP request and upgrade request. */
  onThreadRequest: ((thread: number, req: EngineRequest, kind: "http" | "upgrade") => void) | undefined = undefined;
  /** Called once every thread has exited after close(). */
  onAllExited: (() => void) | undefined = undefined;

  constructor(private readonly engine: EngineHost) {
    const deflate = engine.opts.perMessageDeflate;
    this.wsOpts = { compressThreshold: deflate ? deflate.threshold : false };
  }

  /**
   * Starts `threads` I/O threads listening on `port` and waits, blocking, until each one is
   * bound, as a uWS listen binds synchronously. Port 0: the threads load first, then a port
   * the OS has free is chosen and bound by all of them at once (free-port.ts says why not
   * port 0 itself). Returns the bound port, or undefined when a thread could not bind it or
   * another process listens on it too (SO_REUSEPORT would share it: free-port.ts); the
   * threads are then shut down.
   */
  listenSync(threads: number, port: number, options: ThreadedListenOptions): number | undefined {
    this.clientCors = options.clientCors;
    this.metricsRoute = options.metrics;
    const opts = this.engine.opts;
    const state = (this.state = new Int32Array(new SharedArrayBuffer(4 * threads)));
    // Not static until the code after listen() has run: it may add a headers listener or a
    // middleware, and the threads accept connections as soon as they listen.
    Atomics.store(this.staticUpgrade, 0, 0);
    this.engine.onUpgradeRulesChange = () => this.refreshStaticUpgrade();
    setImmediate(() => this.refreshStaticUpgrade());
    const portCell = (this.portCell = new Int32Array(new SharedArrayBuffer(4)));
    for (let i = 0; i < threads; i++) {
      const config: IoThreadConfig = {
        index: i,
        threads,
        staticUpgrade: this.staticUpgrade.buffer as SharedArrayBuffer,
        allowEIO3: opts.allowEIO3,
        port,
        portCell: portCell.buffer as SharedArrayBuffer,
        host: options.host,
        listenState: state.buffer as SharedArrayBuffer,
        path: opts.path,
        transports: [...opts.transports],
        maxHttpBufferSize: opts.maxHttpBufferSize,
        maxBufferedBytes: opts.maxBufferedBytes,
        perMessageDeflate: opts.perMessageDeflate,
        clientPath: options.clientPath,
        clientCors: plainCors(options.clientCors),
        clientOriginRemote: hasOriginFunction(options.clientCors),
        metricsPath: options.metrics?.path,
        otherPaths: options.otherPaths,
      };
      this.links.push(new ThreadLink(this, i, config));
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    let bound: number | undefined = port;
    if (port === 0) {
      bound = this.waitAll(ListenState.PENDING, ListenState.READY, deadline) ? this.choosePort() : undefined;
    }
    if (bound !== undefined && !this.waitAll(port === 0 ? ListenState.READY : ListenState.PENDING, ListenState.LISTENING, deadline)) {
      bound = undefined;
    }
    if (bound !== undefined && othersListeningOn(bound) !== 0) {
      debug("port %d: another process listens on it too, given up", bound);
      bound = undefined;
    }
    if (bound === undefined) this.close();
    else {
      running.add(this);
      if (!exitHooked) {
        exitHooked = true;
        process.on("exit", releaseOnExit);
      }
    }
    debug("%d I/O threads on port %d: %s", threads, bound ?? port, bound !== undefined ? "listening" : "failed");
    return bound;
  }

  /** Waits until every thread has left `from`; true when all of them reached `to`. */
  private waitAll(from: number, to: number, deadline: number): boolean {
    const state = this.state!;
    let ok = true;
    for (let i = 0; i < state.length; i++) {
      while (Atomics.load(state, i) === from) {
        const left = deadline - Date.now();
        if (left <= 0 || Atomics.wait(state, i, from, left) === "timed-out") break;
      }
      if (Atomics.load(state, i) !== to) ok = false;
    }
    return ok;
  }

  /** Chooses a free port and hands it to the threads waiting in READY; undefined if none. */
  private choosePort(): number | undefined {
    let chosen: number;
    try {
      chosen = freePortNow();
    } catch {
      return undefined;
    }
    Atomics.store(this.portCell!, 0, chosen);
    Atomics.notify(this.portCell!, 0);
    return chosen;
  }

  /**
   * WebSockets of every thread subscribed to `topic`: what a publish reaches (the metrics'
   * deliveries, as uWS numSubscribers on one thread). Counted here from the subscribe and
   * unsubscribe commands, so it is exact in command order without asking the threads.
   */
  subscriberCount(topic: string): number {
    return this.subscribers.get(topic) ?? 0;
  }

  /** @internal One subscriber of `topic` more (1) or fewer (-1); topics at 0 are dropped. */
  countSubscriber(topic: string, delta: 1 | -1): void {
    const n = (this.subscribers.get(topic) ?? 0) + delta;
    if (n > 0) this.subscribers.set(topic, n);
    else this.subscribers.delete(topic);
  }
  private readonly subscribers = new Map<string, number>();

  /** Hands an encoded frame once to every live thread. */
  publish(topic: string, data: string | Buffer | ArrayBuffer | Uint8Array, isBinary: boolean): boolean {
    let ok = false;
    for (const link of this.links) {
      if (!link.alive) continue;
      link.push3(Cmd.PUBLISH, topic, data, isBinary);
      ok = true;
    }
    return ok;
  }

  /** @internal publish from one socket: excluded on its own thread, plain publish elsewhere. */
  publishFrom(owner: ThreadLink, wsId: number, topic: string, data: string | Buffer, isBinary: boolean): void {
    for (const link of this.links) {
      if (link === owner) link.push4(Cmd.PUBLISH_FROM, wsId, topic, data, isBinary);
      else link.push3(Cmd.PUBLISH, topic, data, isBinary);
    }
  }

  /** Live I/O threads (for tests and diagnostics). */
  get threadCount(): number {
    return this.links.filter((l) => l.alive).length;
  }

  /** @internal Test hook: makes thread `index` die (1: throw inside it, 2: process.exit). */
  killThread(index: number, mode: 1 | 2): void {
    this.links[index]?.push1(Cmd.DIE, mode);
  }

  /**
   * @internal Resolves once every live thread has handed the kernel everything issued before
   * this call (a loop turn after its commands ran): server-side timing of a burst (loadtest).
   */
  sync(): Promise<void> {
    const token = this.nextSync++;
    const live = this.links.filter((l) => l.alive);
    return new Promise((resolve) => {
      let left = live.length;
      if (left === 0) return resolve();
      this.syncs.set(token, () => {
        if (--left === 0) {
          this.syncs.delete(token);
          resolve();
        }
      });
      for (const link of live) link.push1(Cmd.SYNC, token);
    });
  }
  private nextSync = 1;
  /** One ListenState per thread, shared with them. */
  private state: Int32Array | undefined;
  /** The port chosen for a port-0 listen (IoThreadConfig.portCell). */
  private portCell: Int32Array | undefined;

  /** @internal Shuts every thread down and blocks until each has closed its handles, or `deadline`. */
  shutdownBlocking(deadline: number): void {
    this.close();
    const state = this.state!;
    for (let i = 0; i < this.links.length; i++) {
      if (!this.links[i].alive) continue;
      for (let s = Atomics.load(state, i); s !== ListenState.RELEASED && s !== ListenState.FAILED; s = Atomics.load(state, i)) {
        const left = deadline - Date.now();
        if (left <= 0) return;
        Atomics.wait(state, i, s, Math.min(left, 50));
      }
    }
  }

  /** @internal Blocks until every thread has closed its listen socket (or exited), or `deadline`. */
  awaitReleased(deadline: number): void {
    const state = this.state!;
    for (let i = 0; i < this.links.length; i++) {
      while (Atomics.load(state, i) === ListenState.LISTENING && this.links[i].alive) {
        const left = deadline - Date.now();
        if (left <= 0 || Atomics.wait(state, i, ListenState.LISTENING, Math.min(left, 50)) === "timed-out") {
          if (Date.now() >= deadline) return;
        }
      }
    }
  }
  /** The bundle route's `cors` option as given (its origin function is run here). */
  clientCors: unknown = undefined;
  /** The `metrics` option's route (the registry lives here; the threads forward its requests). */
  private metricsRoute: MetricsRoute | undefined = undefined;
  private readonly syncs = new Map<number, () => void>();

  /** Stops every thread: each closes its listen socket and connections, then exits. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.refreshStaticUpgrade();
    if (this.state && this.exited < this.links.length) releasing.add(this);
    // Threads waiting for a port (READY) read no command: tell them through the cell.
    if (this.portCell && Atomics.compareExchange(this.portCell, 0, 0, PORT_ABANDONED) === 0) Atomics.notify(this.portCell, 0);
    for (const link of this.links) link.pushNow(Cmd.SHUTDOWN);
  }

  // ---- events from the threads ----

  /**
   * 1 while the engine needs no say in a new WebSocket-only session's upgrade: the threads
   * then upgrade it in their upgrade handler (io-thread.ts acceptsAtOnce). Refreshed with every
   * batch from a thread, so a listener or middleware added meanwhile takes effect within a
   * loop turn; an upgrade that raced it is verified here all the same (onUpgraded).
   */
  private readonly staticUpgrade = new Int32Array(new SharedArrayBuffer(4));

  private refreshStaticUpgrade(): void {
    const v = !this.closed && this.engine.upgradeIsStatic() ? 1 : 0;
    if (this.staticUpgrade[0] !== v) Atomics.store(this.staticUpgrade, 0, v);
  }

  /** @internal */
  onBatch(link: ThreadLink, batch: unknown[]): void {
    this.refreshStaticUpgrade();
    let i = 0;
    while (i < batch.length) {
      const op = batch[i] as number;
      const a = i + 1;
      i = a + EVT_ARITY[op];
      switch (op) {
        case Evt.MESSAGE:
          link.transports.get(batch[a] as number)?.onRemoteMessage(batch[a + 1] as string | Uint8Array);
          break;
        case Evt.HTTP:
          this.onHttp(link, batch[a] as number, batch[a + 1] as never, batch[a + 2] as Uint8Array | string | null);
          break;
        case Evt.ABORTED: {
          const ex = link.exchanges.get(batch[a] as number);
          link.exchanges.delete(batch[a] as number);
          ex?.abort();
          break;
        }
        case Evt.UPGRADE:
          this.onUpgrade(link, batch[a] as number, requestFromThread(batch[a + 1] as never));
          break;
        case Evt.UPGRADED:
          this.onUpgraded(link, batch[a] as number, requestFromThread(batch[a + 1] as never));
          break;
        case Evt.OPEN:
          this.onOpen(link, batch[a] as number);
          break;
        case Evt.BUFFERED:
          link.transports.get(batch[a] as number)?.onRemoteBuffered(batch[a + 1] as number, batch[a + 2] as number);
          break;
        case Evt.ORIGIN:
          this.checkOrigin(link, batch[a] as number, batch[a + 1] as string | undefined, this.clientCors);
          break;
        case Evt.SYNCED:
          this.syncs.get(batch[a] as number)?.();
          break;
        case Evt.CLOSE: {
          const wsId = batch[a] as number;
          link.pending.delete(wsId);
          link.verdictDue.delete(wsId);
          this.deferClose(link, wsId, batch[a + 1] as number | string);
          break;
        }
        default:
          debug("unknown event %d from I/O thread %d", op, link.index);
          return;
      }
    }
  }

  /** WebSocket closes of the batch being handled, run once its other events' continuations have. */
  private closes: Array<[ThreadLink, number, number | string]> = [];

  /**
   * A close is handled after the promise continuations and nextTicks of the events before it.
   * On one thread every uWS event is its own callback, and those run between any two; a batch
   * is one callback, so a client's last message and its close would otherwise reach the app
   * back to back, and code resuming after that message's handler would find the session gone.
   */
  private deferClose(link: ThreadLink, wsId: number, code: number | string): void {
    if (this.closes.push([link, wsId, code]) === 1) setImmediate(this.runCloses);
  }

  private readonly runCloses = (): void => {
    const closes = this.closes;
    this.closes = [];
    for (const [link, wsId, code] of closes) link.transports.get(wsId)?.onRemoteClose(code);
  };

  /** Runs the bundle route's `cors` origin function for a thread (it cannot cross). */
  private checkOrigin(link: ThreadLink, reqId: number, origin: string | undefined, cors: unknown): void {
    const fn = (cors as { origin?: unknown } | undefined)?.origin;
    const answer = (err: unknown, resolved?: unknown): void => {
      let value: unknown = resolved;
      try {
        structuredClone(value);
      } catch {
        value = false;
      }
      link.push3(Cmd.ORIGIN_RESULT, reqId, err ? String((err as Error).message ?? err) : null, value);
    };
    if (typeof fn !== "function") return answer(null, false);
    let answered = false;
    try {
      fn(origin, (err: unknown, resolved: unknown) => {
        if (answered) return;
        answered = true;
        answer(err, resolved);
      });
    } catch (err) {
      if (!answered) {
        answered = true;
        answer(err);
      }
    }
  }

  private onHttp(link: ThreadLink, reqId: number, plain: never, rawBody: Uint8Array | string | null): void {
    const req = requestFromThread(plain);
    let body: BodyResult | undefined;
    if (rawBody === null) body = undefined;
    else if (typeof rawBody === "string") body = { ok: false, reason: rawBody as "too_large" };
    else body = { ok: true, body: Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength) };
    this.onThreadRequest?.(link.index, req, "http");
    const ex = new ThreadHttpExchange(link, reqId, req, body);
    link.exchanges.set(reqId, ex);
    const metrics = this.metricsRoute;
    if (metrics !== undefined && req.method === "GET" && pathOf(req.url) === metrics.path) return serveMetrics(ex, metrics);
    const engine = this.engine;
    if (this.closed) return ex.respond(503, {}, "", true);
    if (engine.middlewares.length === 0) {
      engine.handleHttp(ex);
      return;
    }
    runWithCollector(engine.middlewares, req, (err, shim) => {
      if (ex.aborted) return;
      if (err) return engine.rejectMiddleware(ex, err);
      if (shim.ended) return ex.respond(shim.statusCode, shim.headers, shim.body ?? "");
      ex.baseHeaders = { ...ex.baseHeaders, ...shim.headers };
      engine.handleHttp(ex);
    });
  }

  private onUpgrade(link: ThreadLink, reqId: number, req: EngineRequest): void {
    this.onThreadRequest?.(link.index, req, "upgrade");
    const engine = this.engine;
    // As uws-backend.ts: 400 with the plain message as text/html, as upstream engine.io.
    const refuse = (status: number, contentType: string, body: string | Buffer): void =>
      link.push4(Cmd.UPGRADE_REFUSE, reqId, status, contentType, body);
    const verify = (extraHeaders: ResponseHeaders): void =>
      engine.verifyUpgrade(req, (verdict) => {
        if (!verdict.ok) return refuse(400, "text/html", errorMessage(verdict.code, verdict.context));
        const wsId = this.nextWsId++;
        link.pending.set(wsId, { req, id: verdict.id });
        link.push3(Cmd.UPGRADE_ACCEPT, reqId, wsId, { ...extraHeaders, ...verdict.headers });
      });
    if (engine.middlewares.length === 0) return verify({});
    runWithCollector(engine.middlewares, req, (err, shim) => {
      if (err) {
        engine.middlewareUpgradeError(req, err);
        refuse(400, "text/html", errorMessage(EngineErrorCode.BAD_REQUEST));
      } else if (shim.ended) {
        refuse(shim.statusCode, "", shim.body ?? "");
      } else {
        verify(shim.headers);
      }
    });
  }

  /**
   * A WebSocket the thread upgraded at once (staticUpgrade): the engine's verdict, which
   * comes synchronously while the upgrade is static, decides whether its OPEN (next in the
   * stream) starts a session. Refused (a listener or middleware added meanwhile, say): the
   * socket is closed, as no 400 can be sent after the 101.
   */
  private onUpgraded(link: ThreadLink, wsId: number, req: EngineRequest): void {
    this.onThreadRequest?.(link.index, req, "upgrade");
    // Synchronous while the upgrade is static; a custom generateId set since the last
    // refresh may make it asynchronous: OPEN then waits for it (link.verdictDue).
    let sync = true;
    let decided = false;
    this.engine.verifyUpgrade(req, (verdict) => {
      if (decided) return;
      decided = true;
      const state = link.verdictDue.get(wsId);
      link.verdictDue.delete(wsId);
      if (!verdict.ok) return link.end(wsId, 1011);
      if (state === "opened") this.startSession(link, wsId, req, verdict.id);
      // Closed while the verdict was due (CLOSE dropped the entry): nothing to start.
      else if (sync || state === "waiting") link.pending.set(wsId, { req, id: verdict.id });
    });
    if (!decided) link.verdictDue.set(wsId, "waiting");
    sync = false;
  }

  private onOpen(link: ThreadLink, wsId: number): void {
    if (link.verdictDue.has(wsId)) {
      link.verdictDue.set(wsId, "opened");
      return;
    }
    const p = link.pending.get(wsId);
    link.pending.delete(wsId);
    if (!p) {
      link.end(wsId, 1000);
      return;
    }
    this.startSession(link, wsId, p.req, p.id);
  }

  private startSession(link: ThreadLink, wsId: number, req: EngineRequest, id: string | undefined): void {
    const transport =
      protocolOf(req) === 4
        ? new ThreadWebSocketTransport(link, wsId, this.wsOpts)
        : new ThreadWebSocketTransportV3(link, wsId, this.wsOpts, v3SupportsBinary(req));
    link.transports.set(wsId, transport);
    transport.attach();
    if (!this.engine.onWebSocketOpen(req, transport, id)) transport.refuse();
  }

  /** @internal A thread exited: whatever it held is gone. */
  onExit(link: ThreadLink, code: number): void {
    link.alive = false;
    if (!this.closed) debug("I/O thread %d exited (%d): its connections are lost", link.index, code);
    for (const ex of [...link.exchanges.values()]) ex.abort();
    link.exchanges.clear();
    link.pending.clear();
    link.verdictDue.clear();
    for (const t of [...link.transports.values()]) t.onRemoteClose(CloseKind.GONE);
    link.transports.clear();
    if (++this.exited === this.links.length) {
      releasing.delete(this);
      running.delete(this);
      this.onAllExited?.();
    }
  }
}

