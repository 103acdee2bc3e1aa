// Shapes shared by Socket, Namespace and BroadcastOperator: why a socket disconnected,
// what its handshake looks like, and which event names user code may not emit.
import type { IncomingHttpHeaders } from "node:http";
import type { ParsedUrlQuery } from "node:querystring";

/** Why a socket left its namespace (the first argument of the `disconnect` event). */
export type DisconnectReason =
  | "transport error"
  | "transport close"
  | "forced close"
  | "ping timeout"
  | "parse error"
  | "server shutting down"
  | "forced server close"
  | "client namespace disconnect"
  | "server namespace disconnect"
  /** hyperio: the client read too slowly and its session's buffer hit `maxBufferedBytes`. */
  | "buffer limit exceeded";

/** Reasons after which the session is kept for connection state recovery. */
export const RECOVERABLE_DISCONNECT_REASONS: ReadonlySet<string> = new Set([
  "transport error",
  "transport close",
  "forced close",
  "ping timeout",
  "server shutting down",
  "forced server close",
  "buffer limit exceeded",
]);

/** Events the library fires on a Socket; user code listens to them but cannot emit them. */
export interface SocketReservedEventsMap {
  disconnect: (reason: DisconnectReason, description?: any) => void;
  disconnecting: (reason: DisconnectReason, description?: any) => void;
  error: (err: Error) => void;
}

export interface EventEmitterReservedEventsMap {
  newListener: (eventName: string | symbol, listener: (...args: any[]) => void) => void;
  removeListener: (eventName: string | symbol, listener: (...args: any[]) => void) => void;
}

/**
 * Names that `socket.emit()` / `io.emit()` refuse: they would collide with events the client
 * library fires itself (connect, disconnect...) or with EventEmitter bookkeeping.
 */
export const RESERVED_EVENTS: ReadonlySet<string | symbol> = new Set<string | symbol>([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

/** What the server learned about the client when it connected to a namespace. */
export interface Handshake {
  /** Headers of the first HTTP request of the session. */
  headers: IncomingHttpHeaders;
  /** Creation date, as a string. */
  time: string;
  /** The client's IP address. */
  address: string;
  /** Whether the request carried an Origin header (cross-domain). */
  xdomain: boolean;
  /** Whether the connection is over TLS. */
  secure: boolean;
  /** Creation date, as a unix timestamp in ms. */
  issued: number;
  /** The URL of the first request. */
  url: string;
  /** The query string of the first request, parsed. */
  query: ParsedUrlQuery;
  /** The `auth` payload sent by the client with CONNECT. */
  auth: { [key: string]: any };
}

/** Error passed to `next()` by namespace middleware; `data` reaches the client's connect_error. */
export interface ExtendedError extends Error {
  data?: any;
}
