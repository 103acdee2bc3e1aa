// A small implementation of the options of the `cors` middleware that socket.io users pass
// (`new Server({ cors: { origin, methods, credentials, ... } })`), producing response
// headers for a request. It is applied to every request on the engine path, errors included,
// so browsers can read error bodies.
import { InvalidOptionError } from "./errors";
import { EngineRequest, firstHeader } from "./request";

type StaticOrigin = boolean | string | RegExp | Array<string | RegExp>;
export type OriginCallback = (err: Error | null, origin?: StaticOrigin) => void;

export interface CorsOptions {
  /** true reflects the request origin; a string is sent as is; RegExp/array allow-list; function decides per request. Default "*". */
  origin?: StaticOrigin | ((origin: string | undefined, cb: OriginCallback) => void);
  /** Methods allowed in preflight (default "GET,HEAD,PUT,PATCH,POST,DELETE"). */
  methods?: string | string[];
  /** Allowed request headers; default reflects Access-Control-Request-Headers. */
  allowedHeaders?: string | string[];
  /** Response headers exposed to scripts. */
  exposedHeaders?: string | string[];
  /** Sends Access-Control-Allow-Credentials: true. */
  credentials?: boolean;
  /** Seconds a preflight may be cached. */
  maxAge?: number;
  /** Status for successful preflights (default 204). */
  optionsSuccessStatus?: number;
}

export interface CorsResult {
  headers: Record<string, string>;
  /** true for an OPTIONS preflight, which the engine answers itself. */
  preflight: boolean;
  status: number;
}

function isStaticOrigin(v: unknown): boolean {
  if (typeof v === "boolean" || typeof v === "string" || v instanceof RegExp) return true;
  return Array.isArray(v) && v.every((x) => typeof x === "string" || x instanceof RegExp);
}

function isStringList(v: unknown): boolean {
  return typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"));
}

/** Validates the `cors` option; returns false when CORS is disabled. */
export function validateCors(v: CorsOptions | boolean | undefined): CorsOptions | false {
  if (v === undefined || v === false) return false;
  if (v === true) return {};
  if (typeof v !== "object" || v === null) throw new InvalidOptionError("cors", "expected a boolean or an object");
  if (v.origin !== undefined && typeof v.origin !== "function" && !isStaticOrigin(v.origin)) {
    throw new InvalidOptionError("cors", "origin must be a boolean, string, RegExp, array or function");
  }
  for (const k of ["methods", "allowedHeaders", "exposedHeaders"] as const) {
    if (v[k] !== undefined && !isStringList(v[k])) {
      throw new InvalidOptionError("cors", `${k} must be a string or an array of strings`);
    }
  }
  if (v.credentials !== undefined && typeof v.credentials !== "boolean") {
    throw new InvalidOptionError("cors", "credentials must be a boolean");
  }
  if (v.maxAge !== undefined && (typeof v.maxAge !== "number" || !Number.isFinite(v.maxAge))) {
    throw new InvalidOptionError("cors", "maxAge must be a finite number");
  }
  if (
    v.optionsSuccessStatus !== undefined &&
    (!Number.isInteger(v.optionsSuccessStatus) || v.optionsSuccessStatus < 200 || v.optionsSuccessStatus > 299)
  ) {
    throw new InvalidOptionError("cors", "optionsSuccessStatus must be a 2xx status");
  }
  return v;
}

function matches(origin: string, allowed: StaticOrigin): boolean {
  if (Array.isArray(allowed)) return allowed.some((a) => matches(origin, a));
  if (typeof allowed === "string") return origin === allowed;
  if (allowed instanceof RegExp) {
    allowed.lastIndex = 0;
    return allowed.test(origin);
  }
  return !!allowed;
}

function list(v: string | string[]): string {
  return Array.isArray(v) ? v.join(",") : v;
}

function build(opts: CorsOptions, origin: StaticOrigin, req: EngineRequest): CorsResult {
  const headers: Record<string, string> = {};
  const reqOrigin = firstHeader(req.headers, "origin");
  const vary: string[] = [];
  if (origin === "*") {
    headers["Access-Control-Allow-Origin"] = "*";
  } else if (typeof origin === "string") {
    headers["Access-Control-Allow-Origin"] = origin;
    vary.push("Origin");
  } else {
    if (reqOrigin !== undefined && matches(reqOrigin, origin)) headers["Access-Control-Allow-Origin"] = reqOrigin;
    vary.push("Origin");
  }
  if (opts.credentials) headers["Access-Control-Allow-Credentials"] = "true";
  const preflight = req.method === "OPTIONS";
  if (preflight) {
    headers["Access-Control-Allow-Methods"] = list(opts.methods ?? "GET,HEAD,PUT,PATCH,POST,DELETE");
    if (opts.allowedHeaders !== undefined) {
      headers["Access-Control-Allow-Headers"] = list(opts.allowedHeaders);
    } else {
      const requested = firstHeader(req.headers, "access-control-request-headers");
      vary.push("Access-Control-Request-Headers");
      if (requested) headers["Access-Control-Allow-Headers"] = requested;
    }
    if (opts.maxAge !== undefined) headers["Access-Control-Max-Age"] = String(opts.maxAge);
  }
  if (opts.exposedHeaders !== undefined && list(opts.exposedHeaders)) {
    headers["Access-Control-Expose-Headers"] = list(opts.exposedHeaders);
  }
  if (vary.length) headers["Vary"] = vary.join(", ");
  return { headers, preflight, status: opts.optionsSuccessStatus ?? 204 };
}

/**
 * Computes CORS headers for a request. Calls back synchronously unless `origin` is a
 * function that answers later. A failing origin function yields an error.
 *
 * @example
 * applyCors({ origin: ["https://a.example"] }, req, (err, r) => { ... r.headers ... });
 */
export function applyCors(
  opts: CorsOptions,
  req: EngineRequest,
  cb: (err: Error | null, result?: CorsResult) => void,
): void {
  const origin = opts.origin;
  if (typeof origin !== "function") {
    cb(null, build(opts, origin ?? "*", req));
    return;
  }
  let done = false;
  try {
    origin(firstHeader(req.headers, "origin"), (err, resolved) => {
      if (done) return;
      done = true;
      if (err) return cb(err);
      if (resolved === undefined || !isStaticOrigin(resolved)) return cb(null, build(opts, false, req));
      cb(null, build(opts, resolved, req));
    });
  } catch (err) {
    if (!done) {
      done = true;
      cb(err as Error);
    }
  }
}
