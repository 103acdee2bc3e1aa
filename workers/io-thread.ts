// One I/O thread of `ioThreads`: a uWS App on the shared port (SO_REUSEPORT) that owns the
// connections it accepts. It runs no engine and no user code: HTTP requests and upgrade
// requests go to the main thread as one event each and come back as one command (except a
// new WebSocket-only session while the main thread allows it: upgraded here at once,
// acceptsAtOnce); WebSocket frames go up as events; writes, subscriptions, publishes and
// closes come down as commands (thread-protocol.ts). Everything it reads from uWS is
// copied before it leaves the handler.
//
// Lifecycle invariant: the thread never exits with its listen socket or a connection open
// (uWS aborts the process then). SHUTDOWN, a fatal error and the DIE test hook all go through
// `shutdown()`: close the listen socket and every connection, let the loop turn once, exit.
import { parentPort, workerData } from "node:worker_threads";
import type * as uWS from "uWebSockets.js";
import { Cmd, CMD_ARITY, CloseKind, Evt, IoThreadConfig, ListenState, PORT_ABANDONED } from "../src/engine/thread-protocol";
import { loadUws } from "../src/engine/uws-loader";
import { snapshotUwsRequest, EngineRequest } from "../src/engine/request";
import { UwsExchange } from "../src/engine/uws-exchange";
import { connectionHeader, endUws, notFoundUws, notImplementedUws, webSocketLimits } from "../src/engine/uws-connection";
import { serveClientOnApp } from "../src/serve-client";
import { verifyRequest } from "../src/engine/verify";
import { protocolOf } from "../src/engine/protocol";
import type { ResolvedOptions } from "../src/engine/options";
import type { CorsOptions } from "../src/engine/cors";
import { STATUS_CODES } from "node:http";

const config = workerData as IoThreadConfig;
const port = parentPort!;
const { uws } = loadUws();
const SEND_DROPPED = 2;
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

// ---- the stream to the main thread ------------------------------------------------------

let out: unknown[] = [];
let flushArmed = false;
function flushOut(): void {
  flushArmed = false;
  if (out.length === 0) return;
  const batch = out;
  out = [];
  port.postMessage(batch);
}
/** Queues one event; the batch leaves at the end of this loop turn. */
function emit(...args: unknown[]): void {
  for (let i = 0; i < args.length; i++) out.push(args[i]);
  if (!flushArmed) {
    flushArmed = true;
    setImmediate(flushOut);
  }
}

// ---- HTTP -------------------------------------------------------------------------------

let nextReqId = 1;
/** Requests waiting for the main thread's answer. */
const exchanges = new Map<number, UwsExchange>();

const onHttp = (res: uWS.HttpResponse, req: uWS.HttpRequest): void => {
  const snap = snapshotUwsRequest(res, req, false);
  const readBody = snap.method === "POST" && snap._query.sid !== undefined;
  const ex = new UwsExchange(res, snap, readBody ? config.maxHttpBufferSize : undefined);
  const id = nextReqId++;
  exchanges.set(id, ex);
  ex.onAbort(() => {
    exchanges.delete(id);
    emit(Evt.ABORTED, id);
  });
  if (!readBody) {
    emit(Evt.HTTP, id, plainRequest(snap), null);
    return;
  }
  ex.readBody(config.maxHttpBufferSize, (result) => {
    if (ex.aborted) return;
    emit(Evt.HTTP, id, plainRequest(snap), result.ok ? result.body : result.reason);
  });
};

/** The snapshot without the aliases structured cloning would copy twice. */
function plainRequest(snap: EngineRequest): unknown {
  return { method: snap.method, url: snap.url, headers: { ...snap.headers }, remoteAddress: snap.remoteAddress };
}

function respond(reqId: number, status: number, headers: Record<string, string | string[]>, body: string | Uint8Array, close: boolean): void {
  const ex = exchanges.get(reqId);
  if (!ex) return;
  exchanges.delete(reqId);
  ex.respond(status, headers, typeof body === "string" ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength), close);
}

// ---- WebSocket --------------------------------------------------------------------------

interface PendingUpgrade {
  res: uWS.HttpResponse;
  context: uWS.us_socket_context_t;
  key: string;
  protocol: string;
  extensions: string;
  connection: string | undefined;
  aborted: boolean;
}

interface WsData {
  id: number;
  /** Sends kept back while the socket holds more than maxBufferedBytes (see uws-websocket.ts). */
  held: Array<string | Uint8Array> | undefined;
  heldCompress: boolean[] | undefined;
  heldBytes: number;
  /** The last BUFFERED figure sent up. */
  reported: number;
  /** The largest frame written or held since the socket was last empty (the cap exempts it). */
  largest: number;
  /** In `overBudget`. */
  over: boolean;
  unsubscribing: boolean;
  overBudgetAtClose: boolean;
  closed: boolean;
}

const upgrades = new Map<number, PendingUpgrade>();
const sockets = new Map<number, uWS.WebSocket<WsData>>();
const cap = config.maxBufferedBytes;

/** 1 while the main thread lets this thread upgrade new WebSocket-only sessions at once. */
const staticUpgrade = new Int32Array(config.staticUpgrade);
/** What verifyRequest reads of the options for a request without a sid. */
const staticChecks = { transports: config.transports, allowRequest: undefined } as unknown as ResolvedOptions;
const NO_SESSIONS = new Map();
/** Ids of the sockets this thread upgrades itself: negative, spread by thread, never the main thread's. */
let nextOwnWsId = 0;

/**
 * Whether the request is a new WebSocket-only session the engine is certain to accept: the
 * checks of verifyRequest and prepareHandshake that depend on the request alone pass, and the
 * main thread said nothing else can refuse it. Anything else goes to the main thread.
 */
function acceptsAtOnce(snap: EngineRequest): boolean {
  if (Atomics.load(staticUpgrade, 0) !== 1) return false;
  const q = snap._query;
  if (q.sid !== undefined || q.transport !== "websocket") return false;
  // prepareHandshake's refusal, by the same reading of EIO.
  if (protocolOf(snap) === 3 && !config.allowEIO3) return false;
  let ok = false;
  verifyRequest(staticChecks, NO_SESSIONS, snap, true, (error) => {
    ok = error === undefined;
  });
  return ok;
}

function onUpgrade(res: uWS.HttpResponse, req: uWS.HttpRequest, context: uWS.us_socket_context_t): void {
  const snap = snapshotUwsRequest(res, req, false);
  if (acceptsAtOnce(snap)) {
    // Inside uWS's upgrade handler the socket is corked by uWS itself: the synchronous
    // upgrade, which the pinned uWS completes safely. The main thread verifies it when the
    // event arrives (before OPEN, in the same stream) and only then starts the session.
    const wsId = -(++nextOwnWsId * config.threads + config.index);
    emit(Evt.UPGRADED, wsId, plainRequest(snap));
    res.upgrade(newWsData(wsId), req.getHeader("sec-websocket-key"), req.getHeader("sec-websocket-protocol"), req.getHeader("sec-websocket-extensions"), context);
    return;
  }
  const pending: PendingUpgrade = {
    res,
    context,
    key: req.getHeader("sec-websocket-key"),
    protocol: req.getHeader("sec-websocket-protocol"),
    extensions: req.getHeader("sec-websocket-extensions"),
    connection: connectionHeader(snap.headers),
    aborted: false,
  };
  const id = nextReqId++;
  upgrades.set(id, pending);
  res.onAborted(() => {
    pending.aborted = true;
  });
  emit(Evt.UPGRADE, id, plainRequest(snap));
}

function acceptUpgrade(reqId: number, wsId: number, headers: Record<string, string | string[]>): void {
  const p = upgrades.get(reqId);
  upgrades.delete(reqId);
  if (!p || p.aborted) {
    // The main thread is waiting for this socket to open: it never will.
    emit(Evt.CLOSE, wsId, CloseKind.GONE);
    return;
  }
  p.res.cork(() => {
    p.res.writeStatus("101 Switching Protocols");
    for (const k in headers) {
      const v = headers[k];
      if (Array.isArray(v)) for (const x of v) p.res.writeHeader(k, x);
      else p.res.writeHeader(k, v);
    }
    p.res.upgrade(newWsData(wsId), p.key, p.protocol, p.extensions, p.context);
  });
}

function newWsData(id: number): WsData {
  return {
    id,
    held: undefined,
    heldCompress: undefined,
    heldBytes: 0,
    reported: 0,
    largest: 0,
    over: false,
    unsubscribing: false,
    overBudgetAtClose: false,
    closed: false,
  };
}

function refuseUpgrade(reqId: number, status: number, contentType: string, body: string | Uint8Array): void {
  const p = upgrades.get(reqId);
  upgrades.delete(reqId);
  if (!p || p.aborted) return;
  p.res.cork(() => {
    p.res.writeStatus(`${status} ${STATUS_CODES[status] ?? "Unknown"}`);
    if (contentType) p.res.writeHeader("Content-Type", contentType);
    endUws(p.res, typeof body === "string" ? body : Buffer.from(body), p.connection, true);
  });
}

/** Reports what the socket holds unsent when it changed in a way the main thread acts on. */
function reportBuffered(ws: uWS.WebSocket<WsData>, d: WsData): void {
  const amount = ws.getBufferedAmount() + d.heldBytes;
  // Up: every growth (the session's outgoing cap reads it). Down: on empty, or halved.
  if (amount > d.reported || (amount === 0 && d.reported !== 0) || amount * 2 < d.reported) {
    d.reported = amount;
    emit(Evt.BUFFERED, d.id, amount, d.largest);
  }
}

/**
 * Sockets of this thread holding more than the cap: draining one message larger than it, or
 * holding sends back. uWS would drop a publish reaching one and close it although its reader
 * may be reading: publish() writes to these one by one instead (as the uWS adapter does on
 * one thread, src/adapter/uws-adapter.ts).
 */
const overBudget = new Set<uWS.WebSocket<WsData>>();

function setOverBudget(ws: uWS.WebSocket<WsData>, d: WsData, over: boolean): void {
  if (d.over === over) return;
  d.over = over;
  if (over) overBudget.add(ws);
  else overBudget.delete(ws);
}

/**
 * The outgoing cap, enforced here where the figures are exact: the main thread learns them a
 * crossing later, while its sends keep arriving (measured: a reader that stopped held 7 MB
 * against a 1 MB cap before the main thread's check caught it). More than maxBufferedBytes
 * held besides the largest message: the socket is cut off and its session closes with
 * "buffer limit exceeded" (CloseKind.OVERFLOW). Returns whether it was.
 */
function overCap(ws: uWS.WebSocket<WsData>, d: WsData): boolean {
  if (ws.getBufferedAmount() + d.heldBytes - d.largest <= cap) return false;
  d.overBudgetAtClose = true;
  d.held = d.heldCompress = undefined;
  d.heldBytes = 0;
  ws.close();
  return true;
}

function frameBytes(f: string | Uint8Array): number {
  return typeof f === "string" ? f.length : f.byteLength;
}

let corkFrames: Array<string | Uint8Array> = [];
let corkCompress: boolean[] | null = null;
let corkWs: uWS.WebSocket<WsData> | undefined;
function writeCorked(): void {
  const ws = corkWs!;
  const d = ws.getUserData();
  const frames = corkFrames;
  const compress = corkCompress;
  for (let i = 0; i < frames.length; i++) {
    if (ws.getBufferedAmount() > cap) {
      // uWS would drop any send now: keep the rest until a drain (uws-websocket.ts header).
      d.held = frames.slice(i);
      d.heldCompress = compress ? compress.slice(i) : frames.slice(i).map(() => false);
      for (const f of d.held) d.heldBytes += typeof f === "string" ? f.length : f.byteLength;
      return;
    }
    const f = frames[i];
    if (ws.send(f, typeof f !== "string", compress ? compress[i] : false) === SEND_DROPPED) {
      // Not reached short of a bug (nothing is sent over budget): the session says so.
      d.overBudgetAtClose = true;
      return;
    }
  }
}

function write(ws: uWS.WebSocket<WsData>, frames: Array<string | Uint8Array>, compress: boolean[] | null): void {
  const d = ws.getUserData();
  if (d.held === undefined && ws.getBufferedAmount() === 0) d.largest = 0;
  for (let i = 0; i < frames.length; i++) {
    const n = frameBytes(frames[i]);
    if (n > d.largest) d.largest = n;
  }
  if (d.held !== undefined) {
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      d.held.push(f);
      d.heldCompress!.push(compress ? compress[i] : false);
      d.heldBytes += typeof f === "string" ? f.length : f.byteLength;
    }
  } else {
    corkWs = ws;
    corkFrames = frames;
    corkCompress = compress;
    ws.cork(writeCorked);
    corkWs = undefined;
  }
  if (d.overBudgetAtClose || overCap(ws, d)) {
    if (!d.closed) ws.close();
    return;
  }
  setOverBudget(ws, d, d.held !== undefined || ws.getBufferedAmount() > cap);
  reportBuffered(ws, d);
}

/**
 * A publish on this thread (from `from`, which it skips, when given): through uWS to every
 * subscriber but those over budget, which get it as a write behind what they hold.
 */
function publish(topic: string, data: string | Uint8Array, isBinary: boolean, from: uWS.WebSocket<WsData> | undefined): void {
  let skipped: Array<uWS.WebSocket<WsData>> | undefined;
  if (overBudget.size !== 0) {
    for (const ws of overBudget) {
      if (ws === from || !ws.isSubscribed(topic)) continue;
      const d = ws.getUserData();
      d.unsubscribing = true;
      ws.unsubscribe(topic);
      d.unsubscribing = false;
      (skipped ??= []).push(ws);
    }
  }
  if (from) from.publish(topic, data, isBinary, false);
  else app.publish(topic, data, isBinary, false);
  if (skipped === undefined) return;
  for (const ws of skipped) {
    ws.subscribe(topic);
    write(ws, [data], null);
  }
}

function onDrain(ws: uWS.WebSocket<WsData>): void {
  const d = ws.getUserData();
  const held = d.held;
  if (held !== undefined && ws.getBufferedAmount() <= cap) {
    const compress = d.heldCompress!;
    d.held = d.heldCompress = undefined;
    d.heldBytes = 0;
    write(ws, held, compress);
    return;
  }
  if (d.held === undefined && ws.getBufferedAmount() <= cap) setOverBudget(ws, d, false);
  reportBuffered(ws, d);
}

function end(wsId: number, code: number): void {
  const ws = sockets.get(wsId);
  if (!ws) return;
  sockets.delete(wsId);
  const d = ws.getUserData();
  if (d.closed) return;
  d.closed = true;
  if (code === 0) ws.end();
  else ws.end(code);
}

const behavior: uWS.WebSocketBehavior<WsData> = {
  // As uws-backend.ts: a publish reaching a socket over budget is dropped and closes it.
  ...webSocketLimits(uws, config),
  upgrade: onUpgrade,
  open: (ws) => {
    const d = ws.getUserData();
    sockets.set(d.id, ws);
    emit(Evt.OPEN, d.id);
  },
  message: (ws, message, isBinary) => {
    // Copied out of uWS memory: the ArrayBuffer is neutered when the handler returns.
    emit(Evt.MESSAGE, ws.getUserData().id, isBinary ? new Uint8Array(message.slice(0)) : utf8.decode(message));
  },
  drain: onDrain,
  subscription: (ws, _topic, newCount, oldCount) => {
    const d = ws.getUserData();
    // Only while uWS tears a socket down; true already when overCap() closed it.
    if (newCount < oldCount && !d.unsubscribing && !d.closed) d.overBudgetAtClose ||= ws.getBufferedAmount() > cap;
  },
  close: (ws, code, message) => {
    const d = ws.getUserData();
    sockets.delete(d.id);
    setOverBudget(ws, d, false);
    const wasClosed = d.closed;
    d.closed = true;
    if (wasClosed) return;
    const refused = code === 1006 && message.byteLength > 0 ? Buffer.from(message).toString() : undefined;
    emit(Evt.CLOSE, d.id, d.overBudgetAtClose ? CloseKind.OVERFLOW : refused ?? CloseKind.GONE);
  },
};

function withSocket(wsId: number): uWS.WebSocket<WsData> | undefined {
  const ws = sockets.get(wsId);
  return ws === undefined || ws.getUserData().closed ? undefined : ws;
}

// ---- the stream from the main thread ----------------------------------------------------

function run(batch: unknown[]): void {
  let i = 0;
  while (i < batch.length) {
    const op = batch[i] as number;
    const a = i + 1;
    i = a + CMD_ARITY[op];
    switch (op) {
      case Cmd.HTTP_RESPONSE:
        respond(batch[a] as number, batch[a + 1] as number, batch[a + 2] as Record<string, string>, batch[a + 3] as string, batch[a + 4] as boolean);
        break;
      case Cmd.UPGRADE_ACCEPT:
        acceptUpgrade(batch[a] as number, batch[a + 1] as number, batch[a + 2] as Record<string, string>);
        break;
      case Cmd.UPGRADE_REFUSE:
        refuseUpgrade(batch[a] as number, batch[a + 1] as number, batch[a + 2] as string, batch[a + 3] as string);
        break;
      case Cmd.WRITE: {
        const ws = withSocket(batch[a] as number);
        if (ws) write(ws, batch[a + 1] as Array<string | Uint8Array>, batch[a + 2] as boolean[] | null);
        break;
      }
      case Cmd.SUBSCRIBE:
        withSocket(batch[a] as number)?.subscribe(batch[a + 1] as string);
        break;
      case Cmd.UNSUBSCRIBE: {
        const ws = withSocket(batch[a] as number);
        if (!ws) break;
        const d = ws.getUserData();
        d.unsubscribing = true;
        ws.unsubscribe(batch[a + 1] as string);
        d.unsubscribing = false;
        break;
      }
      case Cmd.PUBLISH:
        publish(batch[a] as string, batch[a + 1] as string, batch[a + 2] as boolean, undefined);
        break;
      case Cmd.PUBLISH_FROM:
        // The sender left meanwhile: every subscriber gets it.
        publish(batch[a + 1] as string, batch[a + 2] as string, batch[a + 3] as boolean, withSocket(batch[a] as number));
        break;
      case Cmd.END:
        end(batch[a] as number, batch[a + 1] as number);
        break;
      case Cmd.DIE:
        if (batch[a] === 3) process.exit(1);
        if (batch[a] === 1) throw new Error(`hyperio: I/O thread ${config.index} told to die (test hook)`);
        shutdown(1);
        return;
      case Cmd.SHUTDOWN:
        shutdown(0);
        return;
      case Cmd.ORIGIN_RESULT: {
        const cb = originChecks.get(batch[a] as number);
        originChecks.delete(batch[a] as number);
        cb?.(batch[a + 1] === null ? null : new Error(batch[a + 1] as string), batch[a + 2]);
        break;
      }
      case Cmd.SYNC: {
        // uWS writes what publish queued at the end of this loop turn; two turns are surely past it.
        const token = batch[a];
        setImmediate(() => setImmediate(() => emit(Evt.SYNCED, token)));
        break;
      }
      default:
        throw new Error(`hyperio: unknown I/O thread command ${String(op)}`);
    }
  }
}

// ---- start and stop ---------------------------------------------------------------------

/** Origin checks waiting for the main thread (the `cors` origin function runs there). */
const originChecks = new Map<number, (err: Error | null, origin?: unknown) => void>();

function clientCors(): CorsOptions | false {
  const cors = config.clientCors as CorsOptions | false;
  if (!cors || !config.clientOriginRemote) return cors;
  return {
    ...cors,
    origin: (origin: string | undefined, cb: (err: Error | null, origin?: never) => void) => {
      const id = nextReqId++;
      originChecks.set(id, cb as (err: Error | null, origin?: unknown) => void);
      emit(Evt.ORIGIN, id, origin);
    },
  };
}

const app = uws.App();
if (config.clientPath !== undefined) serveClientOnApp(app, config.clientPath, clientCors());
const paths = [config.path, config.path.slice(0, -1)];
for (const p of paths) app.any(p, onHttp);
if (config.transports.includes("websocket")) for (const p of paths) app.ws<WsData>(p, behavior);
if (config.metricsPath !== undefined) app.get(config.metricsPath, onHttp);
app.any("/*", config.otherPaths === "501" ? notImplementedUws : notFoundUws);

let listenSocket: uWS.us_listen_socket | undefined;
const state = new Int32Array(config.listenState);
let stopping = false;

/** Closes everything uWS holds, lets the loop turn once, then exits (see the header). */
function shutdown(code: number): void {
  if (stopping) return;
  stopping = true;
  if (listenSocket) uws.us_listen_socket_close(listenSocket);
  listenSocket = undefined;
  // The port is ours no more: a listen waiting to bind it again may go on.
  Atomics.store(state, config.index, ListenState.CLOSED);
  Atomics.notify(state, config.index);
  // Runs the close handler of every WebSocket (their CLOSE events go up) and ends HTTP connections.
  (app as unknown as { close(): void }).close();
  flushOut();
  // Two loop turns: the closes above finish in the closing phase of a turn (uv_close), which
  // comes after the check phase a first setImmediate may still run in. Then the handles are
  // gone, which the main thread's exit hook waits for (RELEASED).
  setImmediate(() =>
    setImmediate(() => {
      Atomics.store(state, config.index, ListenState.RELEASED);
      Atomics.notify(state, config.index);
      if (code === 0) port.close();
      else process.exit(code);
    }),
  );
}

// A thread that fails must not take the process down with it: close its sockets, then exit
// with an error the main thread sees; only this thread's connections are lost.
process.on("uncaughtException", (err) => {
  process.stderr.write(`hyperio: I/O thread ${config.index} failed: ${err.stack ?? err}\n`);
  shutdown(1);
});

// process.exit() from anywhere in this thread (user code loaded here, a dependency): close
// what uWS holds on the way out, or node aborts the whole process when it tears the thread's
// loop down with uWS handles still open.
process.on("exit", () => {
  if (stopping) return;
  stopping = true;
  if (listenSocket) uws.us_listen_socket_close(listenSocket);
  Atomics.store(state, config.index, ListenState.CLOSED);
  Atomics.notify(state, config.index);
  (app as unknown as { close(): void }).close();
});

port.on("message", run);
const onListen = (ls: uWS.us_listen_socket | false): void => {
  if (ls) listenSocket = ls;
  Atomics.store(state, config.index, ls ? ListenState.LISTENING : ListenState.FAILED);
  Atomics.notify(state, config.index);
  if (!ls) shutdown(0);
};
/**
 * The port to bind: the explicit one, or (port 0) the one the main thread chooses once every
 * thread is loaded and waiting here, so that no other process can take it while threads
 * start (threaded-backend.ts, listenSync). Blocking is fine: nothing else runs here yet.
 */
function portToBind(): number {
  if (config.port !== 0) return config.port;
  Atomics.store(state, config.index, ListenState.READY);
  Atomics.notify(state, config.index);
  const cell = new Int32Array(config.portCell);
  Atomics.wait(cell, 0, 0);
  return Atomics.load(cell, 0);
}
const bindPort = portToBind();
// Options 0: SO_REUSEPORT, so every I/O thread binds the same port.
if (bindPort === PORT_ABANDONED) onListen(false);
else if (config.host) app.listen(config.host, bindPort, onListen);
else app.listen(bindPort, 0 as uWS.ListenOptions, onListen);
