// Whether a uWS HTTP response ends its connection, decided in one place for every writer
// (UwsExchange.respond, refused upgrades, the 404/501 routes, the client bundle routes).
//
// What the pinned uWS (20.30) does by itself, measured with raw sockets:
// - A request whose Connection header is "close" (any case; uWS trims the value) is marked
//   at parse time: the connection closes after the response, and that response does not
//   say `Connection: close`, even with `res.end(body, true)` (uWS writes that header only
//   when it sets the mark itself). A keep-alive client (node's http.Agent, undici) then
//   returns the socket to its pool and the next request on it fails with "socket hang up".
// - A Connection header listing "close" among other tokens ("keep-alive, close") is not
//   recognised: the connection stays open.
// - Otherwise `res.end(body, true)` writes `Connection: close` and closes once the response
//   is sent; a `Connection: close` header written by hand is sent but not acted upon.
// - Unread request bodies are skipped by Content-Length; the connection stays usable.
// - Every response gets `Date`, `uWebSockets: 20` and `Content-Length` from uWS itself
//   (a Content-Length written by hand would be a second one).
// - HTTP/1.0 requests never reach a handler: uWS 20.30 parses only "HTTP/1.1" request
//   lines, sends nothing and drops the connection at its idle timeout (~10 s). Nothing in
//   JS can answer them; node:http (`new Server(httpServer)`) serves HTTP/1.0.
//
// So every response ends through `endUws`: when the request asked to close (any "close"
// token) or hyperio decides to close, the response says `Connection: close` exactly once
// and the connection closes after it; otherwise it stays open for the next request.
import type * as uWS from "uWebSockets.js";
import type { EngineHeaders } from "./request";

/**
 * true when a Connection header value carries the "close" token (RFC 9112 section 9.6).
 * The common values (none, "keep-alive", "close") are answered without splitting.
 */
export function connectionCloseRequested(value: string | undefined): boolean {
  if (!value) return false;
  // What node, undici and curl send, compared before any lower-casing: this runs for every
  // uWS response (measured ~10 ns per call instead of 14-24 ns through toLowerCase).
  if (value === "keep-alive" || value === "close") return value === "close";
  const len = value.length;
  if (len === 5) return value.toLowerCase() === "close";
  if (len === 10 && value.toLowerCase() === "keep-alive") return false;
  if (len < 5) return false;
  for (const token of value.split(",")) {
    if (token.trim().toLowerCase() === "close") return true;
  }
  return false;
}

/** true when uWS itself marked the request as closing (see above): its value is "close". */
function uwsMarkedClose(value: string): boolean {
  if (value === "close") return true;
  return value.length === 5 ? value.toLowerCase() === "close" : value.trim().toLowerCase() === "close";
}

/** The Connection header of a request snapshot, as one string. */
export function connectionHeader(headers: EngineHeaders): string | undefined {
  const v = headers.connection;
  return typeof v === "string" || v === undefined ? v : v.join(", ");
}

/**
 * The `closeConnection` flag to end a uWS response with (inside a cork or a uWS callback,
 * after status and headers). `requestConnection` is the request's Connection header;
 * `close` is true when hyperio decides to close (for example a request body left unread).
 * The connection closes when either asks for it, and the response then says
 * `Connection: close` exactly once (written here when uWS would not write it).
 */
function closeFlag(res: uWS.HttpResponse, requestConnection: string | undefined, close: boolean): boolean {
  if (!requestConnection) return close;
  if (uwsMarkedClose(requestConnection)) {
    // uWS closes, and writes no header of its own: say it here.
    res.writeHeader("Connection", "close");
    return true;
  }
  // With `true` uWS writes `Connection: close` itself.
  return close || connectionCloseRequested(requestConnection);
}

/** Ends a uWS response with `body`, closing the connection as `closeFlag` decides. */
export function endUws(
  res: uWS.HttpResponse,
  body: uWS.RecognizedString | undefined,
  requestConnection: string | undefined,
  close: boolean,
): void {
  const flag = closeFlag(res, requestConnection, close);
  res.end(body ?? "", flag);
}

/**
 * Answers a request no route took with an empty 404, honouring the request's Connection
 * header. For the apps hyperio creates (uWS would otherwise drop the connection).
 */
export function notFoundUws(res: uWS.HttpResponse, req: uWS.HttpRequest): void {
  const connection = req.getHeader("connection");
  res.writeStatus("404 Not Found");
  endUws(res, undefined, connection, false);
}

/**
 * Answers a request no route took with 501 and the body "Not Implemented" (no Content-Type),
 * honouring the request's Connection header: what upstream engine.io's `listen()` server
 * answers, for the app `hyperio/engine`'s listen() creates. A HEAD gets no body: uWS would
 * send one, and the client would read it as the start of the next response on the
 * connection (endWithoutBody is not usable on uWS 20.30, see serve-client.ts).
 */
export function notImplementedUws(res: uWS.HttpResponse, req: uWS.HttpRequest): void {
  const connection = req.getHeader("connection");
  const body = req.getMethod() === "head" ? undefined : "Not Implemented";
  res.writeStatus("501 Not Implemented");
  endUws(res, body, connection, false);
}

/** The limits of hyperio's WebSockets, as options (uws-backend.ts and the I/O threads' alike). */
export interface WebSocketLimits {
  perMessageDeflate: { threshold: number } | false;
  maxHttpBufferSize: number;
  maxBufferedBytes: number;
}

/**
 * The uWS behaviour settings every hyperio WebSocket gets, on the main thread's App and on an
 * I/O thread's: compression as `perMessageDeflate` says, frames up to `maxHttpBufferSize`, no
 * uWS idle timeout or pings (liveness is the engine heartbeat's job), and the per-socket
 * budget `maxBufferedBytes` enforced by uWS, which closes a socket a send or publish finds
 * over it (uws-backend.ts says what can be dropped then and why a reader that reads never is).
 */
export function webSocketLimits(
  uws: { SHARED_COMPRESSOR: uWS.CompressOptions; DISABLED: uWS.CompressOptions },
  o: WebSocketLimits,
): Pick<uWS.WebSocketBehavior<unknown>, "compression" | "maxPayloadLength" | "idleTimeout" | "sendPingsAutomatically" | "maxBackpressure" | "closeOnBackpressureLimit"> {
  return {
    compression: o.perMessageDeflate ? uws.SHARED_COMPRESSOR : uws.DISABLED,
    maxPayloadLength: o.maxHttpBufferSize,
    idleTimeout: 0,
    sendPingsAutomatically: false,
    maxBackpressure: o.maxBufferedBytes,
    closeOnBackpressureLimit: 1,
  };
}
