// One HTTP request/response pair as the engine sees it, independent of the backend (uWS or
// node:http). The polling transport and the server core talk only to this interface.
import type { EngineRequest } from "./request";

export type ResponseHeaders = Record<string, string | string[]>;

export type BodyResult =
  | { ok: true; body: Buffer }
  | { ok: false; reason: "too_large" | "aborted" | "length_mismatch" };

export interface HttpExchange {
  readonly req: EngineRequest;
  /** true once the peer went away; `respond` is then a no-op. */
  readonly aborted: boolean;
  /** true once a response was written. */
  readonly responded: boolean;
  /** Headers added to every response of this exchange (middlewares, CORS). */
  baseHeaders: ResponseHeaders;
  /** Registers the single abort listener (replaces any earlier one). */
  onAbort(cb: (() => void) | undefined): void;
  /**
   * Writes the whole response at once. `closeConnection` asks the backend to close the
   * TCP connection afterwards (used when an unread request body remains).
   */
  respond(status: number, headers: ResponseHeaders, body?: string | Buffer, closeConnection?: boolean): void;
  /**
   * Reads the request body, refusing more than `limit` bytes (from Content-Length before
   * buffering, and again while reading). Calls back exactly once.
   */
  readBody(limit: number, cb: (result: BodyResult) => void): void;
}
