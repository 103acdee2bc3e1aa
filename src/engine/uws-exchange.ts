// HttpExchange over a uWS HttpResponse.
//
// uWS rules kept here: `onAborted` is attached in the constructor (before the handler
// returns); request bodies are copied out of the neutered ArrayBuffers and read eagerly
// (data arriving before a reader is attached would be lost), with Content-Length checked
// before buffering and the running total checked while reading; responses are written
// inside `cork`, and deferred out of uWS WebSocket handlers, where a cork does not batch
// HTTP writes (one polling response would go out as dozens of send calls).
import { STATUS_CODES } from "node:http";
import createDebug from "debug";
import type * as uWS from "uWebSockets.js";
import type { BodyResult, HttpExchange, ResponseHeaders } from "./http-exchange";
import { EngineRequest, releaseRequest, requestHeader } from "./request";
import { endUws } from "./uws-connection";

/** The body of an empty request (shared: nothing writes to a body). */
const EMPTY_BODY = Buffer.alloc(0);
const debug = createDebug("hyperio:engine:uws-exchange");

// uWS batches a response's status line, headers and body into one send only while that
// response's socket is corked. During any uWS callback the socket the callback is about is
// corked, and no other socket can be (an HTTP write to another response then goes out as one
// send call per header). That lasts until control returns to uWS, which is after the
// microtasks the callback queued: node drains them inside the same callback scope.
//
// So: from the first uWS callback of a loop iteration until the next check phase, a write
// to any response other than the current callback's own is deferred with setImmediate,
// which runs after uWS has returned to the event loop (and after endScope, queued first).
// Measured with strace on a 23-packet polling response: written from a WebSocket `message`
// handler or from another request's handler, directly or in a microtask, it took 13 sendto
// calls (status line, each header, body); deferred this way it takes 1.
let scopeArmed = false;
let scopeOwner: UwsExchange | null = null;
let scopeDepth = 0;

function endScope(): void {
  scopeArmed = false;
  scopeOwner = null;
}

/**
 * Runs a uWS callback body. `owner` is the exchange whose socket uWS corked for this
 * callback (null for WebSocket callbacks: no HTTP response is corked then).
 */
export function inUwsScope<T>(owner: UwsExchange | null, fn: () => T): T {
  return inUwsScopeWith(owner, fn, undefined, undefined, undefined);
}

/** inUwsScope calling `fn(a, b, c)`: no closure for handlers that run per message. */
export function inUwsScopeWith<A, B, C, T>(owner: UwsExchange | null, fn: (a: A, b: B, c: C) => T, a: A, b: B, c: C): T {
  if (!scopeArmed) {
    scopeArmed = true;
    setImmediate(endScope);
  }
  const prev = scopeOwner;
  scopeOwner = owner;
  scopeDepth++;
  try {
    return fn(a, b, c);
  } finally {
    scopeDepth--;
    // A callback uWS ran synchronously inside another (ws.end -> close handler) hands the
    // scope back; the outermost one keeps it for the microtasks that follow it.
    if (scopeDepth > 0) scopeOwner = prev;
  }
}

/** Runs a uWS WebSocket handler body (see inUwsScope). */
export function inWsHandler<T>(fn: () => T): T {
  return inUwsScope(null, fn);
}

/** true when writing `ex` now would not be batched by its cork (see above). */
export function mustDefer(ex: UwsExchange | null): boolean {
  return scopeArmed && scopeOwner !== ex;
}

/** true while any uWS callback scope is open (for tests and diagnostics). */
export function insideWsScope(): boolean {
  return scopeArmed;
}

/** How a write that must leave the current uWS scope is deferred. */
export const deferOutOfWsHandler: (fn: () => void) => void = (fn) => {
  setImmediate(fn);
};

const STATUS_LINES = new Map<number, string>();

/** "200 OK" for 200, built once per status code. */
function statusLine(status: number): string {
  let line = STATUS_LINES.get(status);
  if (line === undefined) {
    line = `${status} ${STATUS_CODES[status] ?? "Unknown"}`;
    if (STATUS_LINES.size < 64) STATUS_LINES.set(status, line);
  }
  return line;
}

export class UwsExchange implements HttpExchange {
  aborted = false;
  responded = false;
  baseHeaders: ResponseHeaders = {};
  private abortCb: (() => void) | undefined;
  private body: BodyResult | undefined;
  private bodyCb: ((r: BodyResult) => void) | undefined;
  // The chunks of the body so far, each a copy. A body that arrives in one chunk is that copy
  // (it was copied again by a concat, which showed as Buffer allocation and GC in the
  // polling-echo profile). Buffers are never sized from the declared Content-Length ahead of
  // the bytes: a client declaring maxHttpBufferSize and sending one byte must not make the
  // server hold maxHttpBufferSize.
  private chunks: Buffer[] | undefined;
  private received = 0;

  constructor(
    private readonly res: uWS.HttpResponse,
    readonly req: EngineRequest,
    /** When set, the body is read right away, up to this many bytes. */
    bodyLimit: number | undefined,
  ) {
    res.onAborted(() =>
      inUwsScope(this, () => {
        this.aborted = true;
        releaseRequest(this.req);
        this.dropBody();
        this.settleBody({ ok: false, reason: "aborted" });
        const cb = this.abortCb;
        this.abortCb = undefined;
        cb?.();
      }),
    );
    if (bodyLimit !== undefined) this.startReading(bodyLimit);
  }

  onAbort(cb: (() => void) | undefined): void {
    this.abortCb = cb;
  }

  private startReading(limit: number): void {
    const raw = requestHeader(this.req, "content-length");
    let expected: number | undefined;
    if (raw !== undefined) {
      expected = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
      if (Number.isNaN(expected)) return this.settleBody({ ok: false, reason: "length_mismatch" });
      // Refuse before buffering a single byte.
      if (expected > limit) return this.settleBody({ ok: false, reason: "too_large" });
    }
    this.res.onData((chunk, isLast) => inUwsScope(this, () => this.onChunk(chunk, isLast, limit, expected)));
  }

  private onChunk(chunk: ArrayBuffer, isLast: boolean, limit: number, expected: number | undefined): void {
    if (this.body) return;
    this.received += chunk.byteLength;
    if (this.received > limit) {
      this.dropBody();
      return this.settleBody({ ok: false, reason: "too_large" });
    }
    if (expected !== undefined && this.received > expected) {
      this.dropBody();
      return this.settleBody({ ok: false, reason: "length_mismatch" });
    }
    // The ArrayBuffer is neutered when this callback returns: copy it (Buffer.from of a
    // Uint8Array copies; of an ArrayBuffer it would only be a view).
    if (chunk.byteLength > 0) (this.chunks ??= []).push(Buffer.from(new Uint8Array(chunk)));
    if (!isLast) return;
    if (expected !== undefined && this.received !== expected) {
      this.dropBody();
      return this.settleBody({ ok: false, reason: "length_mismatch" });
    }
    const chunks = this.chunks;
    const body = chunks === undefined ? EMPTY_BODY : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.received);
    this.dropBody();
    this.settleBody({ ok: true, body });
  }

  private dropBody(): void {
    this.chunks = undefined;
  }

  private settleBody(result: BodyResult): void {
    if (this.body) return;
    this.body = result;
    const cb = this.bodyCb;
    this.bodyCb = undefined;
    cb?.(result);
  }

  readBody(_limit: number, cb: (result: BodyResult) => void): void {
    // The limit was applied when reading started (see constructor).
    if (this.body) cb(this.body);
    else this.bodyCb = cb;
  }

  respond(status: number, headers: ResponseHeaders, body?: string | Buffer, closeConnection = false): void {
    if (this.aborted || this.responded) return;
    this.responded = true;
    this.abortCb = undefined;
    const write = (): void => {
      if (this.aborted) return;
      this.res.cork(() => {
        const res = this.res;
        res.writeStatus(statusLine(status));
        for (const all of [this.baseHeaders, headers]) {
          for (const k in all) {
            // uWS writes Content-Length itself.
            if (k.length === 14 && k.toLowerCase() === "content-length") continue;
            const v = all[k];
            if (Array.isArray(v)) for (const x of v) res.writeHeader(k, x);
            else res.writeHeader(k, v);
          }
        }
        // A request asking to close gets `Connection: close` and a closed connection
        // (uWS alone closes without saying so; see uws-connection.ts). A HEAD response
        // carries no body: uWS would send it, and a kept-alive client would read it as the
        // start of its next response.
        endUws(res, this.req.method === "HEAD" ? undefined : body, requestHeader(this.req, "connection"), closeConnection);
        releaseRequest(this.req);
      });
    };
    if (mustDefer(this)) {
      debug("deferring an HTTP response written from another socket's uWS callback");
      // Keep it aborted-safe until written: uWS may still report the abort meanwhile.
      deferOutOfWsHandler(write);
    } else {
      write();
    }
  }
}
