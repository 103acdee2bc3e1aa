// Engine options: upstream engine.io names and defaults, plus hyperio's limits. Every
// option is validated once, in the constructor, with an error that names it.
import { InvalidOptionError } from "./errors";
import type { EngineRequest } from "./request";
import { CorsOptions, validateCors } from "./cors";

export type TransportName = "polling" | "websocket";

export interface CookieOptions {
  name?: string;
  path?: string | false;
  httpOnly?: boolean;
  sameSite?: "lax" | "strict" | "none" | boolean;
  secure?: boolean;
  domain?: string;
  maxAge?: number;
}

export interface HttpCompressionOptions {
  /** Responses smaller than this many bytes are sent uncompressed (default 1024). */
  threshold?: number;
  /** zlib level (default zlib's). */
  level?: number;
}

export interface PerMessageDeflateOptions {
  /** Messages smaller than this many bytes are sent uncompressed (default 1024). */
  threshold?: number;
}

export type AllowRequest = (
  req: EngineRequest,
  fn: (err: string | null | undefined, success: boolean) => void,
) => void;

export interface ServerOptions {
  /** Path the engine serves (default "/engine.io"); a trailing slash is added. */
  path?: string;
  /** Milliseconds between server pings (default 25000). */
  pingInterval?: number;
  /** Milliseconds to wait for a pong before closing with "ping timeout" (default 20000). */
  pingTimeout?: number;
  /** Milliseconds a transport upgrade may take (default 10000). */
  upgradeTimeout?: number;
  /** Largest message / polling body in bytes (default 1e6). */
  maxHttpBufferSize?: number;
  /** Allowed transports (default ["polling", "websocket"]). */
  transports?: TransportName[];
  /** Whether polling sessions may upgrade to WebSocket (default true). */
  allowUpgrades?: boolean;
  /**
   * Whether Engine.IO v3 clients (Socket.IO v2) are served (default false: they get error
   * code 5, "Unsupported protocol version").
   */
  allowEIO3?: boolean;
  /** Decides whether a handshake is accepted: call `fn(null, true)` to accept. */
  allowRequest?: AllowRequest;
  /** CORS for polling (see CorsOptions); false/undefined disables it. */
  cors?: CorsOptions | boolean;
  /** WebSocket permessage-deflate (default false). */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** gzip/deflate for polling responses (default { threshold: 1024 }); false disables. */
  httpCompression?: boolean | HttpCompressionOptions;
  /** Session cookie sent with the handshake (default false). */
  cookie?: boolean | CookieOptions;
  /** A message sent right after the open packet. */
  initialPacket?: string | Buffer;
  /** Generates session ids; may return a Promise. */
  generateId?: (req: EngineRequest) => string | Promise<string>;
  /**
   * hyperio: how far behind a reader may fall, in bytes (default 4 MiB). A session is
   * closed with "buffer limit exceeded" when what it holds unsent (polling buffer or
   * WebSocket backpressure), not counting its largest single message, exceeds this: one
   * message of any size always gets through to a reader that keeps reading, and a reader
   * that never reads costs at most this plus one message. Outgoing only, like upstream's
   * `maxHttpBufferSize` is incoming only.
   */
  maxBufferedBytes?: number;
  /**
   * hyperio: most packets accepted in one polling POST (default 100000). The official client
   * batches everything queued into one POST, split by size only, so this must stay far
   * above any burst a real client queues during one round trip.
   */
  maxPacketsPerPayload?: number;
  /** hyperio: ms a closing polling session waits for its next GET to deliver the close packet (default 30000). */
  pollingCloseTimeout?: number;
  /**
   * hyperio: I/O threads that own the sockets (Linux, uWS listen only; README "Multi-core
   * fanout"). 0 (default) serves everything on this thread. When not given, the environment
   * variable HYPERIO_IO_THREADS sets it for listen(port) (never for attach/attachApp).
   */
  ioThreads?: number;
}

export interface ResolvedOptions {
  path: string;
  pingInterval: number;
  pingTimeout: number;
  upgradeTimeout: number;
  maxHttpBufferSize: number;
  transports: TransportName[];
  allowUpgrades: boolean;
  allowEIO3: boolean;
  allowRequest: AllowRequest | undefined;
  cors: CorsOptions | false;
  perMessageDeflate: { threshold: number } | false;
  httpCompression: { threshold: number; level?: number } | false;
  cookie: (Required<Pick<CookieOptions, "name">> & CookieOptions) | false;
  initialPacket: string | Buffer | undefined;
  generateId: ((req: EngineRequest) => string | Promise<string>) | undefined;
  maxBufferedBytes: number;
  maxPacketsPerPayload: number;
  pollingCloseTimeout: number;
  /** As given (undefined: not given; see ioThreadsFor). */
  ioThreads: number | undefined;
}

/** Most I/O threads accepted (well above any core count it can use). */
export const MAX_IO_THREADS = 64;

/** Environment default of `ioThreads` for listen(port) (tests run the suites with it). */
export const IO_THREADS_ENV = "HYPERIO_IO_THREADS";

/**
 * The I/O threads a listen(port) uses: the option when given, else HYPERIO_IO_THREADS, else 0.
 * @throws InvalidOptionError when the environment value is not a valid count.
 */
export function ioThreadsFor(opts: { ioThreads?: number }): number {
  if (opts.ioThreads !== undefined) return opts.ioThreads;
  const env = process.env[IO_THREADS_ENV];
  if (env === undefined || env === "") return 0;
  return checkIoThreads(Number(env), IO_THREADS_ENV);
}

function checkIoThreads(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > MAX_IO_THREADS) {
    fail(name, `expected an integer between 0 and ${MAX_IO_THREADS}, got ${String(v)}`);
  }
  if (v > 0 && process.platform !== "linux") {
    fail(name, `I/O threads need Linux (SO_REUSEPORT on one port); this is ${process.platform}: leave ioThreads at 0`);
  }
  return v;
}

const KNOWN_TRANSPORTS: readonly TransportName[] = ["polling", "websocket"];
// setTimeout clamps anything larger to 1 ms, which would turn a typo into a storm of timers.
const MAX_TIMER_MS = 2 ** 31 - 1;

function fail(option: string, message: string): never {
  throw new InvalidOptionError(option, message);
}

function int(opts: ServerOptions, name: keyof ServerOptions, def: number, min: number, max: number): number {
  const v = opts[name];
  if (v === undefined) return def;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    fail(name, `expected a number between ${min} and ${max}, got ${String(v)}`);
  }
  return v;
}

function bool(opts: ServerOptions, name: keyof ServerOptions, def: boolean): boolean {
  const v = opts[name];
  if (v === undefined) return def;
  if (typeof v !== "boolean") fail(name, `expected a boolean, got ${typeof v}`);
  return v;
}

/** Normalizes a path to start and end with "/". */
export function normalizePath(path: string): string {
  let p = path.replace(/\/+$/, "");
  if (!p.startsWith("/")) p = "/" + p;
  return p + "/";
}

/**
 * Validates and fills defaults.
 * @throws InvalidOptionError naming the first bad option.
 */
export function resolveOptions(opts: ServerOptions = {}): ResolvedOptions {
  if (opts === null || typeof opts !== "object") fail("options", "expected an object");
  if (opts.path !== undefined && (typeof opts.path !== "string" || opts.path.length === 0)) {
    fail("path", "expected a non-empty string");
  }
  const transports = opts.transports ?? ["polling", "websocket"];
  if (!Array.isArray(transports) || transports.length === 0) fail("transports", "expected a non-empty array");
  for (const t of transports) {
    if (!KNOWN_TRANSPORTS.includes(t)) fail("transports", `unknown transport "${String(t)}"`);
  }
  if (opts.allowRequest !== undefined && typeof opts.allowRequest !== "function") {
    fail("allowRequest", "expected a function");
  }
  if (opts.generateId !== undefined && typeof opts.generateId !== "function") {
    fail("generateId", "expected a function");
  }
  if (
    opts.initialPacket !== undefined &&
    typeof opts.initialPacket !== "string" &&
    !Buffer.isBuffer(opts.initialPacket)
  ) {
    fail("initialPacket", "expected a string or Buffer");
  }
  return {
    path: normalizePath(opts.path ?? "/engine.io"),
    pingInterval: int(opts, "pingInterval", 25000, 1, MAX_TIMER_MS),
    pingTimeout: int(opts, "pingTimeout", 20000, 1, MAX_TIMER_MS),
    upgradeTimeout: int(opts, "upgradeTimeout", 10000, 1, MAX_TIMER_MS),
    maxHttpBufferSize: int(opts, "maxHttpBufferSize", 1e6, 1, 2 ** 31 - 1),
    transports: [...transports],
    allowUpgrades: bool(opts, "allowUpgrades", true),
    allowEIO3: bool(opts, "allowEIO3", false),
    allowRequest: opts.allowRequest,
    cors: validateCors(opts.cors),
    perMessageDeflate: resolveThresholdOption(opts, "perMessageDeflate", false),
    httpCompression: resolveHttpCompression(opts),
    cookie: resolveCookie(opts.cookie),
    initialPacket: opts.initialPacket,
    generateId: opts.generateId,
    maxBufferedBytes: int(opts, "maxBufferedBytes", 4 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER),
    maxPacketsPerPayload: int(opts, "maxPacketsPerPayload", 100_000, 1, Number.MAX_SAFE_INTEGER),
    pollingCloseTimeout: int(opts, "pollingCloseTimeout", 30000, 1, MAX_TIMER_MS),
    ioThreads: opts.ioThreads === undefined ? undefined : checkIoThreads(opts.ioThreads, "ioThreads"),
  };
}

function resolveThresholdOption(
  opts: ServerOptions,
  name: "perMessageDeflate",
  def: false,
): { threshold: number } | false {
  const v = opts[name];
  if (v === undefined || v === false) return def;
  if (v === true) return { threshold: 1024 };
  if (typeof v !== "object" || v === null) fail(name, "expected a boolean or an object");
  const threshold = v.threshold ?? 1024;
  if (typeof threshold !== "number" || !(threshold >= 0)) fail(name, "threshold must be a number >= 0");
  return { threshold };
}

function resolveHttpCompression(opts: ServerOptions): { threshold: number; level?: number } | false {
  const v = opts.httpCompression;
  if (v === false) return false;
  if (v === undefined || v === true) return { threshold: 1024 };
  if (typeof v !== "object" || v === null) fail("httpCompression", "expected a boolean or an object");
  const threshold = v.threshold ?? 1024;
  if (typeof threshold !== "number" || !(threshold >= 0)) fail("httpCompression", "threshold must be a number >= 0");
  if (v.level !== undefined && (typeof v.level !== "number" || v.level < -1 || v.level > 9)) {
    fail("httpCompression", "level must be between -1 and 9");
  }
  return { threshold, level: v.level };
}

function resolveCookie(v: ServerOptions["cookie"]): ResolvedOptions["cookie"] {
  if (v === undefined || v === false) return false;
  const base = { name: "io", path: "/", httpOnly: true, sameSite: "lax" as const };
  if (v === true) return base;
  if (typeof v !== "object" || v === null) fail("cookie", "expected a boolean or an object");
  const out = { ...base, ...v };
  if (typeof out.name !== "string" || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(out.name)) {
    fail("cookie", "name must be a valid cookie name");
  }
  if (out.path !== false && (typeof out.path !== "string" || /[;\r\n]/.test(out.path))) {
    fail("cookie", "path must be a string without ';' or line breaks, or false");
  }
  if (out.domain !== undefined && (typeof out.domain !== "string" || /[;\r\n]/.test(out.domain))) {
    fail("cookie", "domain must be a string without ';' or line breaks");
  }
  if (out.maxAge !== undefined && (typeof out.maxAge !== "number" || !Number.isFinite(out.maxAge))) {
    fail("cookie", "maxAge must be a finite number (seconds)");
  }
  if (![true, false, "lax", "strict", "none"].includes(out.sameSite as never)) {
    fail("cookie", 'sameSite must be true, false, "lax", "strict" or "none"');
  }
  return out;
}

/** Serializes the session cookie for a Set-Cookie header. */
export function serializeCookie(opts: Exclude<ResolvedOptions["cookie"], false>, value: string): string {
  let s = `${opts.name}=${encodeURIComponent(value)}`;
  if (opts.maxAge !== undefined) s += `; Max-Age=${Math.floor(opts.maxAge)}`;
  if (opts.domain) s += `; Domain=${opts.domain}`;
  if (opts.path) s += `; Path=${opts.path}`;
  if (opts.httpOnly) s += "; HttpOnly";
  if (opts.secure) s += "; Secure";
  if (opts.sameSite) {
    const ss = opts.sameSite === true ? "Strict" : opts.sameSite[0].toUpperCase() + opts.sameSite.slice(1);
    s += `; SameSite=${ss}`;
  }
  return s;
}
