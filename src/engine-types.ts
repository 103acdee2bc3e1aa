// The part of the engine (src/engine, see docs/CONTRACTS.md "Engine") that the Socket.IO
// layer relies on, written structurally so the server layer also binds to any engine.io-6
// compatible server through `io.bind(engine)`.
import type { EventEmitter } from "node:events";
import type { IncomingHttpHeaders } from "node:http";

/** The synchronous snapshot of the session's first HTTP request. */
export interface EngineRequest {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  _query?: Record<string, any>;
  remoteAddress?: string;
  connection?: { remoteAddress?: string; encrypted?: boolean };
  socket?: { remoteAddress?: string; encrypted?: boolean };
}

/** What `attachConsumer` takes. */
export interface EngineConsumer {
  onEngineMessage(data: unknown): void;
  onEngineClose(reason: string, description?: unknown): void;
}

/** One Engine.IO session. */
export interface EngineSocket extends EventEmitter {
  readonly id: string;
  readonly protocol: number;
  readonly readyState: string;
  readonly transport: { name: string; writable: boolean };
  readonly request: EngineRequest;
  readonly remoteAddress?: string;
  write(data: string | Buffer, opts?: Record<string, any>, cb?: () => void): unknown;
  close(discard?: boolean): unknown;
  /**
   * hyperio's engine: makes `consumer` the session's direct reader of messages and its close
   * (called right before the "message" / "close" listeners); false when the session already
   * has one. Sessions without it (or refusing) are read through listeners.
   */
  attachConsumer?(consumer: EngineConsumer): boolean;
  detachConsumer?(consumer: EngineConsumer): void;
  /** hyperio's engine: close(discard), counted in its metrics as closed by `cause`. */
  closeFor?(cause: "server shutting down" | "forced server close", discard?: boolean): void;
  /** Topic fanout, uWS backend only (CONTRACTS.md). */
  subscribe?(topic: string): unknown;
  unsubscribe?(topic: string): unknown;
  publishFromSelf?(topic: string, data: string | Buffer, isBinary: boolean): unknown;
}

/**
 * An Engine.IO server, as the Socket.IO layer uses it: `io.bind(engine)` takes this, so
 * hyperio's engine and an engine.io 6 server both fit. Everything past the EventEmitter
 * ("connection" with an EngineSocket) is optional because engine.io 6 lacks it; the layer
 * checks for it before use. Nothing else of the engine is read by the layer (the default
 * adapter choice, the uWS adapter's publish path and close() are the only users).
 */
export interface EngineServer extends EventEmitter {
  readonly clientsCount?: number;
  close(): unknown;
  /** Whether `publish` reaches uWS WebSocket subscribers (uWS backend): picks UwsAdapter. */
  readonly supportsPublish?: boolean;
  /** Publishes an encoded Engine.IO message to a uWS topic (UwsAdapter broadcasts). */
  publish?(topic: string, data: string | Buffer, isBinary: boolean): boolean;
  /** hyperio: WebSocket sessions subscribed to a uWS topic (what a publish reaches; metrics). */
  subscriberCount?(topic: string): number;
  /**
   * The engine's resolved options. Only hyperio's `maxBufferedBytes` (the per-session
   * outgoing cap) is read: UwsAdapter publishes a broadcast only when it stays well under
   * it, since uWS closes a subscriber a publish takes over its budget. (`object &` keeps
   * engine.io 6's options, which share no member with it, assignable.)
   */
  readonly opts?: object & { readonly maxBufferedBytes?: number };
}
