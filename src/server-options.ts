// The Server's options: their types, defaults and validation. Every option is checked when
// given, with an error naming it; engine options are passed to the engine, which checks them.
import type { Server as HttpServer } from "node:http";
import type { Http2SecureServer, Http2Server } from "node:http2";
import type { Server as HttpsServer } from "node:https";
import type { AdapterConstructor } from "./adapter/types";
import { derivedTopicsProblem, type DerivedTopicsOptions } from "./adapter/derived-topics";
import { invalidOption } from "./errors";

/** The node servers the node:http backend attaches to (as socket.io accepts). */
export type TServerInstance = HttpServer | HttpsServer | Http2SecureServer | Http2Server;

/** Decides whether a dynamic namespace name is accepted (`io.of(fn)`). */
export type ParentNspNameMatchFn = (
  name: string,
  auth: { [key: string]: any },
  fn: (err: Error | null, success: boolean) => void,
) => void;

/** Options of the Server (engine options are passed through to the engine). */
export interface ServerOptions {
  /** URL path of the endpoint. @default "/socket.io" */
  path: string;
  /** Serve the client bundles at `<path>/socket.io.js` etc. @default true */
  serveClient: boolean;
  /** Adapter class (or factory). @default in-memory, or UwsAdapter on the uWS backend */
  adapter: AdapterConstructor;
  /** Codec module with the socket.io-parser interface (e.g. socket.io-msgpack-parser). */
  parser: any;
  /** Ms a client may stay without joining a namespace. @default 45000 */
  connectTimeout: number;
  /** Restore a client's id, rooms, data and missed packets after a short disconnection. */
  connectionStateRecovery: {
    /** @default 120000 */
    maxDisconnectionDuration?: number;
    /** @default true */
    skipMiddlewares?: boolean;
    /**
     * hyperio only: most broadcasts kept per namespace for recovery; past it the oldest tenth
     * is dropped (their clients get a fresh session). Upstream keeps everything of the window,
     * which is the default here too: memory is window x broadcast rate. Also bounds what a
     * cluster adapter's restore keeps of the broadcasts applied while it is in flight
     * (restore-catch-up.ts); past it that recovery is refused. @default Infinity
     */
    maxStoredPackets?: number;
  };
  /** Delete child namespaces of `io.of(regex|fn)` once their last socket leaves. @default false */
  cleanupEmptyChildNamespaces: boolean;
  /**
   * Serve `io.metrics()` in the Prometheus text format at `path` on the server's own port
   * (uWS App or http.Server). Needs the optional peer dependency prom-client. Off by default.
   */
  metrics: MetricsOptions;
  /**
   * I/O threads that own the sockets, for listen(port) on uWS (Linux): broadcasts fan out on
   * every core, handlers stay on this thread. README "Multi-core fanout (ioThreads)".
   * @default 0 (or HYPERIO_IO_THREADS)
   */
  ioThreads: number;
  /**
   * uWS backend: a broadcast shape (its rooms and excluded rooms) used `after` times gets a uWS
   * topic of its own, kept up to date on join and leave, so it costs one publish; at most `max`
   * per namespace (least recently used evicted). `false` turns it off. docs/PERFORMANCE.md,
   * "Multi-room broadcasts". @default { max: 8, after: 2 }
   */
  derivedTopics: DerivedTopicsOptions | false;
  /** Engine options (pingInterval, pingTimeout, maxHttpBufferSize, transports, cors, ...). */
  [engineOption: string]: any;
}

/** The `metrics` option (docs/METRICS.md). */
export interface MetricsOptions {
  /** URL path answered with the exposition text. @default "/metrics" */
  path?: string;
  /** A prom-client Registry to register the collectors on (e.g. prom-client's global `register`). @default a new Registry */
  register?: object;
  /** Prefix of every metric name. @default "hyperio_" */
  prefix?: string;
}

/** The options object as stored: recovery settings completed with their defaults. */
export type ResolvedOptions = Omit<Partial<ServerOptions>, "connectionStateRecovery"> & {
  connectionStateRecovery?: { maxDisconnectionDuration: number; skipMiddlewares: boolean; maxStoredPackets?: number };
};

export const SERVER_OPTION_NAMES = new Set([
  "path",
  "serveClient",
  "adapter",
  "parser",
  "connectTimeout",
  "connectionStateRecovery",
  "cleanupEmptyChildNamespaces",
  "metrics",
  "derivedTopics",
]);

/** How a rejected value is shown in the message (a cyclic object must not make the check throw). */
function describe(value: unknown): string {
  if (typeof value !== "object" || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Throws an InvalidOptionError (a TypeError, code ERR_HYPERIO_INVALID_OPTION, `option` naming
 * it) when an option has the wrong type or value.
 */
export function validateOptions(opts: Partial<ServerOptions>): void {
  const fail = (name: string, expected: string, value: unknown) => {
    throw invalidOption(name, `must be ${expected}, got ${describe(value)}`);
  };
  if (opts.path !== undefined && (typeof opts.path !== "string" || !opts.path.startsWith("/"))) {
    fail("path", 'a string starting with "/"', opts.path);
  }
  if (opts.serveClient !== undefined && typeof opts.serveClient !== "boolean") fail("serveClient", "a boolean", opts.serveClient);
  if (opts.adapter !== undefined && typeof opts.adapter !== "function") fail("adapter", "an adapter class or factory function", opts.adapter);
  if (
    opts.parser !== undefined &&
    (opts.parser === null || typeof opts.parser.Encoder !== "function" || typeof opts.parser.Decoder !== "function")
  ) {
    fail("parser", "a codec module exporting Encoder and Decoder", opts.parser);
  }
  if (opts.connectTimeout !== undefined && !(Number.isFinite(opts.connectTimeout) && opts.connectTimeout > 0)) {
    fail("connectTimeout", "a positive number of ms", opts.connectTimeout);
  }
  const csr = opts.connectionStateRecovery as unknown;
  if (csr !== undefined && csr !== false && (csr === null || typeof csr !== "object")) {
    fail("connectionStateRecovery", "an object", csr);
  }
  if (csr && typeof csr === "object") {
    const { maxDisconnectionDuration: max, skipMiddlewares: skip } = csr as Record<string, unknown>;
    if (max !== undefined && !(typeof max === "number" && Number.isFinite(max) && max > 0)) {
      fail("connectionStateRecovery.maxDisconnectionDuration", "a positive number of ms", max);
    }
    if (skip !== undefined && typeof skip !== "boolean") fail("connectionStateRecovery.skipMiddlewares", "a boolean", skip);
    const cap = (csr as Record<string, unknown>).maxStoredPackets;
    if (cap !== undefined && !(typeof cap === "number" && cap >= 1 && (Number.isInteger(cap) || cap === Infinity))) {
      fail("connectionStateRecovery.maxStoredPackets", "a positive integer or Infinity", cap);
    }
  }
  if (opts.cleanupEmptyChildNamespaces !== undefined && typeof opts.cleanupEmptyChildNamespaces !== "boolean") {
    fail("cleanupEmptyChildNamespaces", "a boolean", opts.cleanupEmptyChildNamespaces);
  }
  const derivedTopics = derivedTopicsProblem(opts.derivedTopics);
  if (derivedTopics) fail(derivedTopics.option, derivedTopics.expected, derivedTopics.value);
  const metrics = opts.metrics as unknown;
  if (metrics !== undefined && metrics !== false) {
    if (metrics === null || typeof metrics !== "object") fail("metrics", "an object", metrics);
    const { path, register, prefix } = metrics as Record<string, unknown>;
    if (path !== undefined && (typeof path !== "string" || !path.startsWith("/"))) fail("metrics.path", 'a string starting with "/"', path);
    if (register !== undefined && (register === null || typeof (register as { metrics?: unknown }).metrics !== "function")) {
      fail("metrics.register", "a prom-client Registry", register);
    }
    if (prefix !== undefined && typeof prefix !== "string") fail("metrics.prefix", "a string", prefix);
  }
}

export function isHttpServer(value: unknown): value is TServerInstance {
  return typeof value === "object" && value !== null && typeof (value as HttpServer).listen === "function" && typeof (value as HttpServer).on === "function";
}

