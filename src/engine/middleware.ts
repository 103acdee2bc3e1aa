// Connect-style middlewares (`engine.use(fn)`), run on every HTTP request and WebSocket
// upgrade of the engine path before the engine looks at it, as upstream engine.io does
// (e.g. `io.engine.use(expressSession)`), on both backends.
import { EventEmitter } from "node:events";
import { STATUS_CODES } from "node:http";
import { runChain } from "../util/run-chain";
import type { ResponseHeaders } from "./http-exchange";

export type NextFunction = (err?: unknown) => void;
// Middlewares are written for node's (req, res): typed loosely on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Middleware = (req: any, res: any, next: NextFunction) => void;

/**
 * The engine's error for a middleware that threw or rejected: the value itself, or an Error
 * when it is falsy (the backends test the error for truthiness).
 */
function engineMiddlewareError(thrown: unknown): unknown {
  return thrown || new Error("middleware failed");
}

/**
 * Runs `list` in order (src/util/run-chain.ts). `done(err)` is called once: with the first
 * error (thrown, passed to next, or a rejected promise), or without one after the last
 * middleware.
 */
export function runMiddlewares(list: readonly Middleware[], req: unknown, res: unknown, done: (err?: unknown) => void): void {
  runChain<[unknown, unknown], unknown>(list, [req, res], engineMiddlewareError, done);
}

/**
 * The `res` middlewares get where no node ServerResponse exists (uWS requests, and
 * upgrades on both backends): it collects headers for the engine's own response, and
 * records a response a middleware chose to send itself.
 */
export class CollectingResponse extends EventEmitter {
  statusCode = 200;
  readonly headers: ResponseHeaders = {};
  ended = false;
  body: string | Buffer | undefined;

  get headersSent(): boolean {
    return this.ended;
  }

  get writableEnded(): boolean {
    return this.ended;
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers[name] = Array.isArray(value) ? [...value] : String(value);
    return this;
  }

  getHeader(name: string): string | string[] | undefined {
    const key = Object.keys(this.headers).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : this.headers[key];
  }

  getHeaders(): ResponseHeaders {
    return { ...this.headers };
  }

  removeHeader(name: string): void {
    for (const k of Object.keys(this.headers)) if (k.toLowerCase() === name.toLowerCase()) delete this.headers[k];
  }

  writeHead(status: number, headers?: Record<string, string | number | string[]>): this {
    this.statusCode = status;
    if (headers) for (const k in headers) this.setHeader(k, headers[k] as string);
    return this;
  }

  write(chunk: string | Buffer): boolean {
    this.body = this.body === undefined ? chunk : Buffer.concat([Buffer.from(this.body), Buffer.from(chunk)]);
    return true;
  }

  end(chunk?: string | Buffer): this {
    if (this.ended) return this;
    if (chunk !== undefined) this.write(chunk);
    this.ended = true;
    this.emit("finish");
    return this;
  }

  /** "401 Unauthorized" style status line for the recorded response. */
  statusLine(): string {
    return `${this.statusCode} ${STATUS_CODES[this.statusCode] ?? "Unknown"}`;
  }
}

/**
 * Runs middlewares against a CollectingResponse. `done` is called once: when the chain
 * completes, fails, or when a middleware ends the response itself (it then never calls
 * `next`, so the end of the response is the signal).
 */
export function runWithCollector(
  list: readonly Middleware[],
  req: unknown,
  done: (err: unknown, res: CollectingResponse) => void,
): void {
  const res = new CollectingResponse();
  let settled = false;
  const finish = (err?: unknown): void => {
    if (settled) return;
    settled = true;
    done(err, res);
  };
  res.once("finish", () => finish());
  runMiddlewares(list, req, res, finish);
}
