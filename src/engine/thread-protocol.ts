// The two ordered command streams between the main thread and one I/O thread (`ioThreads`).
//
// Each direction sends one flat array per loop turn: an op code followed by that op's fixed
// number of arguments, then the next op. One postMessage per batch, never one per command
// (bench/thread-crossing.bench.ts measures the crossing). Order inside a stream is the order
// the commands were issued, which is what keeps join-then-emit and write-then-broadcast in
// order for every socket of that thread.
//
// Ids: `reqId` names one HTTP request (or upgrade request) waiting for the main thread's
// answer, chosen by the I/O thread; `wsId` names one WebSocket, chosen by the main thread
// when it accepts the upgrade (unique across threads).

/** Main thread -> I/O thread. */
export const Cmd = {
  /** reqId, status, headers (record), body (string | Uint8Array), closeConnection */
  HTTP_RESPONSE: 1,
  /** reqId, wsId, headers (record) */
  UPGRADE_ACCEPT: 2,
  /** reqId, status, contentType ("" for none), body */
  UPGRADE_REFUSE: 3,
  /** wsId, frames ((string | Uint8Array)[]), compress (boolean[] or null: none compressed) */
  WRITE: 4,
  /** wsId, topic */
  SUBSCRIBE: 5,
  /** wsId, topic */
  UNSUBSCRIBE: 6,
  /** topic, data, isBinary */
  PUBLISH: 7,
  /** wsId, topic, data, isBinary: publish excluding that socket */
  PUBLISH_FROM: 8,
  /** wsId, code (0: close without a status code) */
  END: 9,
  /** mode: test hook that makes the thread die (1: throw, 2: process.exit) */
  DIE: 10,
  /** (no argument) close the listen socket and every connection, then exit */
  SHUTDOWN: 11,
  /** reqId, error message (null: none), resolved origin: the answer to an ORIGIN event */
  ORIGIN_RESULT: 13,
  /** token: answered with SYNCED once everything before it is handed to the kernel (measurement) */
  SYNC: 12,
} as const;

/** Arguments following each main -> thread op code. */
export const CMD_ARITY: Record<number, number> = {
  [Cmd.HTTP_RESPONSE]: 5,
  [Cmd.UPGRADE_ACCEPT]: 3,
  [Cmd.UPGRADE_REFUSE]: 4,
  [Cmd.WRITE]: 3,
  [Cmd.SUBSCRIBE]: 2,
  [Cmd.UNSUBSCRIBE]: 2,
  [Cmd.PUBLISH]: 3,
  [Cmd.PUBLISH_FROM]: 4,
  [Cmd.END]: 2,
  [Cmd.DIE]: 1,
  [Cmd.SHUTDOWN]: 0,
  [Cmd.SYNC]: 1,
  [Cmd.ORIGIN_RESULT]: 3,
};

/** I/O thread -> main thread. */
export const Evt = {
  /** reqId, request snapshot, body (Uint8Array, a BodyResult failure reason, or null: not read) */
  HTTP: 1,
  /** reqId: the client went away before the answer */
  ABORTED: 2,
  /** reqId, request snapshot: a WebSocket upgrade to verify */
  UPGRADE: 3,
  /** wsId: the upgraded WebSocket is open */
  OPEN: 4,
  /** wsId, data (string: text frame, Uint8Array: binary frame) */
  MESSAGE: 5,
  /**
   * wsId, bytes held unsent (uWS backpressure plus sends kept back; 0 = drained), the largest
   * frame among them (which the outgoing cap does not count)
   */
  BUFFERED: 6,
  /** wsId, how (CloseKind, or uWS's message when it cut the peer off) */
  CLOSE: 7,
  /** token of a SYNC */
  SYNCED: 8,
  /** reqId, request origin: the bundle route asks the `cors` option's origin function (it stays here) */
  ORIGIN: 9,
  /**
   * wsId (chosen by the thread, negative), request snapshot: a new WebSocket-only session the
   * thread upgraded at once, as the main thread allowed (`staticUpgrade`); OPEN follows.
   */
  UPGRADED: 10,
} as const;

export const EVT_ARITY: Record<number, number> = {
  [Evt.HTTP]: 3,
  [Evt.ABORTED]: 1,
  [Evt.UPGRADE]: 2,
  [Evt.OPEN]: 1,
  [Evt.MESSAGE]: 2,
  [Evt.BUFFERED]: 3,
  [Evt.CLOSE]: 2,
  [Evt.SYNCED]: 1,
  [Evt.ORIGIN]: 2,
  [Evt.UPGRADED]: 2,
};

/** How a WebSocket closed, as its thread saw it. */
export const CloseKind = {
  /** The peer went away, or an accepted upgrade never opened. */
  GONE: 0,
  /** Over the outgoing cap: the thread cut it off (or uWS did, after dropping a publish). */
  OVERFLOW: 1,
} as const;

/**
 * Listen status slots in the shared start-up array (one Int32 per thread). A port-0 listen
 * goes PENDING -> READY (loaded, waiting for the port) -> LISTENING or FAILED; an explicit
 * port skips READY. CLOSED once the thread let the port go, RELEASED once every uWS handle
 * it had is closed (it exits next).
 */
export const ListenState = { PENDING: 0, LISTENING: 1, FAILED: 2, CLOSED: 3, READY: 4, RELEASED: 5 } as const;

/**
 * The port cell's value when the main thread gave up before choosing a port (close during
 * start-up): a thread waiting in READY exits instead of binding.
 */
export const PORT_ABANDONED = -1;

/** What an I/O thread is started with (workerData). */
export interface IoThreadConfig {
  index: number;
  /** How many I/O threads there are (the ids a thread chooses are spread by it). */
  threads: number;
  /**
   * Int32Array(1) over it, written by the main thread: 1 while a new WebSocket-only session
   * may be upgraded by the thread in its upgrade handler, before the main thread's verdict
   * (EngineHost.upgradeIsStatic). Upgraded there, synchronously, uWS needs no cork of ours:
   * the pinned uWS's cork() after an async upgrade cuts a few sockets in 10,000 (README).
   */
  staticUpgrade: SharedArrayBuffer;
  /** The engine's allowEIO3 (a v3 handshake the thread may complete). */
  allowEIO3: boolean;
  /** The port to bind; 0: wait in READY for the one the main thread writes into `portCell`. */
  port: number;
  /**
   * Int32Array(1) over it: the port chosen for a port-0 listen once every thread is loaded
   * (so the chosen port stays unbound for microseconds, not the seconds a start-up takes),
   * or PORT_ABANDONED; notified.
   */
  portCell: SharedArrayBuffer;
  host: string | undefined;
  /** Int32Array over it: one ListenState per thread, notified once bound or failed. */
  listenState: SharedArrayBuffer;
  /** The engine path, normalized with its trailing slash ("/socket.io/"). */
  path: string;
  transports: string[];
  maxHttpBufferSize: number;
  maxBufferedBytes: number;
  perMessageDeflate: { threshold: number } | false;
  /** Serve the Socket.IO client bundle under this path (the Socket.IO server's `serveClient`). */
  clientPath: string | undefined;
  /** CORS for the bundle route, without its origin function when `clientOriginRemote`. */
  clientCors: unknown;
  /** The origin is a function, run on the main thread (ORIGIN / ORIGIN_RESULT). */
  clientOriginRemote: boolean;
  /** GET requests to this path (the `metrics` option) go to the main thread as HTTP events. */
  metricsPath: string | undefined;
  /** What other paths get: "404" (Socket.IO server) or "501" (engine.listen, as upstream). */
  otherPaths: "404" | "501";
}
