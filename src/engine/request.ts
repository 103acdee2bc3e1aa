// The request a session remembers: a plain snapshot, taken synchronously while the backend's
// request object is still valid (a uWS HttpRequest dies when its handler returns), and then
// valid forever. It mirrors the fields of Node's IncomingMessage that engine.io / socket.io
// users read (`socket.request.headers`, `.url`, `._query`, `.connection.remoteAddress`).
import type * as uWS from "uWebSockets.js";
import { formatAddress } from "./remote-address";

export type EngineHeaders = Record<string, string | string[] | undefined>;

export interface EngineRequest {
  method: string;
  url: string;
  /** Request headers with lower-case keys. */
  headers: EngineHeaders;
  /** Parsed query string (last value wins for repeated keys). */
  _query: Record<string, string>;
  remoteAddress: string;
  connection: { remoteAddress: string; encrypted: boolean };
  socket: { remoteAddress: string; encrypted: boolean };
  /** Anything user code (allowRequest, middlewares) wants to attach. */
  [key: string]: unknown;
}

/**
 * A record for headers or query parameters: a null-prototype object (a header named
 * "constructor" or "__proto__" is a plain key), made from `{}` rather than
 * Object.create(null), which V8 always creates in dictionary mode. A session keeps both for
 * its lifetime; measured ~90 vs 480 B for 8 headers, 63 vs 192 B for a 2-key query, for
 * ~30 ns more per request.
 */
function newRecord(): Record<string, any> {
  const o = {};
  Object.setPrototypeOf(o, null);
  return o;
}

/**
 * Parses a raw query string ("a=1&b=2") as URLSearchParams does (last value wins), without
 * ever throwing on malformed escapes.
 */
export function parseQuery(raw: string): Record<string, string> {
  const out: Record<string, string> = newRecord();
  // Engine.IO queries carry no escapes ("EIO=4&transport=polling&sid=..."): split them
  // directly (measured 0.6 vs 0.96 µs per request); anything to decode takes the full path.
  if (raw.indexOf("%") === -1 && raw.indexOf("+") === -1) {
    const len = raw.length;
    for (let start = 0; start < len; ) {
      let amp = raw.indexOf("&", start);
      if (amp === -1) amp = len;
      if (amp > start) {
        const eq = raw.indexOf("=", start);
        if (eq === -1 || eq > amp) out[raw.slice(start, amp)] = "";
        else out[raw.slice(start, eq)] = raw.slice(eq + 1, amp);
      }
      start = amp + 1;
    }
    return out;
  }
  // URLSearchParams tolerates bad percent-escapes (it leaves them verbatim).
  for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
  return out;
}

/** Reads one header as a single string (first value if repeated). */
export function firstHeader(headers: EngineHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Reads one request header (lower-case `name`) as `firstHeader(req.headers, name)` would,
 * without building the headers record of a uWS snapshot that has not built it yet: the
 * engine's own reads (Connection, Content-Length, Origin, ...) happen on every request.
 */
export function requestHeader(req: EngineRequest, name: string): string | undefined {
  if (req instanceof UwsRequest) return UwsRequest.headerOf(req, name);
  return firstHeader(req.headers, name);
}

/** Joins a repeated request header as RFC 9110 allows (cookie uses "; "). */
function joinRepeated(name: string, prev: string, value: string): string {
  return `${prev}${name === "cookie" ? "; " : ", "}${value}`;
}

/**
 * One string per header name seen: uWS hands out a new string for every name of every
 * request, which a record would have turned into a shared property key, but a list keeps.
 * Bounded: names past the cap (a client inventing names) are kept as given.
 */
const headerNames = new Map<string, string>();
const MAX_HEADER_NAMES = 256;

/** Where `collectHeader` appends (req.forEach calls back synchronously); reused. */
const scratch: string[] = [];

function collectHeader(key: string, value: string): void {
  let name = headerNames.get(key);
  if (name === undefined) {
    name = key;
    if (headerNames.size < MAX_HEADER_NAMES) headerNames.set(key, key);
  }
  scratch.push(name, value);
}

/**
 * A uWS request snapshot. The headers are kept as uWS listed them (`rawHeaders`, as node's
 * IncomingMessage#rawHeaders: name, value, name, value, ...; names lower-case) and the
 * `headers` record is built on first read, as node's IncomingMessage builds its own.
 * Why: a record costs an object, a property array and the keys' internalisation on every
 * polling request, whose headers the engine reads two or three of; and a session keeps its
 * handshake request for life (~200 B for a WebSocket client's headers as a record).
 */
class UwsRequest implements EngineRequest {
  [key: string]: unknown;
  method: string;
  url: string;
  _query: Record<string, string>;
  /** Header names (lower-case) and values in arrival order, repeats included. */
  rawHeaders: string[];
  #headers: EngineHeaders | undefined = undefined;
  #encrypted: boolean;
  /** The peer address; undefined while it is still to be read from `#res` (see lazy). */
  #address: string | undefined;
  /** The open response the address can be read from; undefined once it ended. */
  #res: uWS.HttpResponse | undefined;
  /** `connection` and `socket` (one object, as node's), made on first read. */
  #conn: { remoteAddress: string; encrypted: boolean } | undefined = undefined;

  constructor(method: string, url: string, query: string, rawHeaders: string[], res: uWS.HttpResponse, encrypted: boolean, lazy: boolean) {
    this.method = method;
    // join() builds one flat string; `+` would keep a chain of cons strings for life.
    this.url = query ? [url, query].join("?") : url;
    this._query = parseQuery(query);
    this.rawHeaders = rawHeaders;
    this.#encrypted = encrypted;
    // A request of a known session (sid) read by no user code needs no address: reading it
    // from uWS costs an ArrayBuffer (~10% of the polling fanout's JS time). It is read on
    // first use while the response is open; pinRequest reads it before user code gets
    // the request, and releaseRequest forgets the response when it ends.
    const lazyAddress = lazy && this._query.sid !== undefined;
    this.#address = lazyAddress ? undefined : remoteAddressOf(res);
    this.#res = lazyAddress ? res : undefined;
  }

  /** The peer address as node writes it ("" if it was never read while the response was open). */
  get remoteAddress(): string {
    let a = this.#address;
    if (a === undefined) {
      const res = this.#res;
      a = res === undefined ? "" : remoteAddressOf(res);
      this.#address = a;
      this.#res = undefined;
    }
    return a;
  }

  set remoteAddress(value: string) {
    this.#address = value;
    this.#res = undefined;
  }

  /** See pinRequest / releaseRequest. */
  static settle(req: UwsRequest, read: boolean): void {
    if (read) void req.remoteAddress;
    else req.#res = undefined;
  }

  get connection(): { remoteAddress: string; encrypted: boolean } {
    return (this.#conn ??= { remoteAddress: this.remoteAddress, encrypted: this.#encrypted });
  }

  set connection(value: { remoteAddress: string; encrypted: boolean }) {
    this.#conn = value;
  }

  get socket(): { remoteAddress: string; encrypted: boolean } {
    return this.connection;
  }

  set socket(value: { remoteAddress: string; encrypted: boolean }) {
    this.#conn = value;
  }

  /** Request headers with lower-case keys, repeats joined (built on first read). */
  get headers(): EngineHeaders {
    return (this.#headers ??= this.buildHeaders());
  }

  set headers(value: EngineHeaders) {
    this.#headers = value;
  }

  /** One header, repeats joined, from the record once built (a user may have changed it). */
  static headerOf(req: UwsRequest, name: string): string | undefined {
    if (req.#headers !== undefined) return firstHeader(req.#headers, name);
    const raw = req.rawHeaders;
    let out: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i] === name) out = out === undefined ? raw[i + 1] : joinRepeated(name, out, raw[i + 1]);
    }
    return out;
  }

  private buildHeaders(): EngineHeaders {
    const headers: EngineHeaders = newRecord();
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const key = raw[i];
      const prev = headers[key] as string | undefined;
      headers[key] = prev === undefined ? raw[i + 1] : joinRepeated(key, prev, raw[i + 1]);
    }
    return headers;
  }
}

/** The last peer address formatted, and its bytes (see remoteAddressOf). */
let lastAddress = "";
let lastAddressBytes: Uint8Array | undefined;

/**
 * The peer's address as node writes it. Consecutive requests from one peer (a polling
 * client's requests, a burst of connections from one proxy or host) share one string: the
 * formatted text is a chain of cons strings, ~100 B that every session kept.
 */
function remoteAddressOf(res: uWS.HttpResponse): string {
  const bytes = new Uint8Array(res.getRemoteAddress());
  const last = lastAddressBytes;
  if (last !== undefined && last.length === bytes.length) {
    let same = true;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== last[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastAddress;
  }
  lastAddressBytes = bytes;
  return (lastAddress = formatAddress(bytes));
}

/**
 * Reads now what a uWS request would read lazily from its response (the peer address):
 * call it before handing the request to user code (events, middlewares), which may keep it
 * past the response. Must run while the response is open.
 */
export function pinRequest(req: EngineRequest): void {
  if (req instanceof UwsRequest) UwsRequest.settle(req, true);
}

/** The request's response ends (or was aborted): a lazy address is no longer readable. */
export function releaseRequest(req: EngineRequest): void {
  if (req instanceof UwsRequest) UwsRequest.settle(req, false);
}

/**
 * Copies everything hyperio needs out of a uWS request. Must run synchronously inside the
 * uWS handler: `req` is invalid afterwards. `lazy`: no user code gets this request unless
 * through pinRequest (no middlewares), so a session's request may read its peer address
 * on first use; its exchange must then call releaseRequest when the response ends.
 */
export function snapshotUwsRequest(res: uWS.HttpResponse, req: uWS.HttpRequest, encrypted: boolean, lazy = false): EngineRequest {
  scratch.length = 0;
  req.forEach(collectHeader);
  // An exact-size copy: a session keeps it for life, and push() leaves spare capacity.
  const raw = scratch.slice();
  scratch.length = 0;
  const m = req.getMethod();
  const method = m === "get" ? "GET" : m === "post" ? "POST" : m.toUpperCase();
  return new UwsRequest(method, req.getUrl(), req.getQuery() ?? "", raw, res, encrypted, lazy);
}

/** The path of a request URL, without its query string. */
export function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

/**
 * For node:http the request *is* the IncomingMessage, with `_query` and `remoteAddress`
 * added (as upstream engine.io does), so what middlewares attach (`req.session`, `req.user`)
 * is there in `socket.request`. An existing `_query` (from connect) is kept.
 */
export function snapshotNodeRequest(req: import("node:http").IncomingMessage): EngineRequest {
  const r = req as unknown as EngineRequest;
  if (!r._query || typeof r._query !== "object") {
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    r._query = parseQuery(q === -1 ? "" : rawUrl.slice(q + 1));
  }
  if (typeof r.remoteAddress !== "string") r.remoteAddress = req.socket?.remoteAddress ?? "";
  return r;
}
