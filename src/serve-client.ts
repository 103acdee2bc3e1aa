// Serves the official browser client bundles (from the socket.io-client package) at
// `<path>/socket.io.js`, `.min.js`, `.esm.min.js`, the msgpack build and their source maps,
// on both backends. ETag is the client version; a matching If-None-Match gets 304.
//
// Files are read once and kept in memory with each encoded form made on first use (a few
// hundred KB in all), so a request is answered without touching the disk or compressing
// again. The encoding is the one upstream picks for the same Accept-Encoding (br, gzip or
// deflate, by the client's q values and then its order), so "gzip, deflate, br" from a
// browser gets gzip, as with socket.io 4.8.
//
// Connection handling on uWS: see engine/uws-connection.ts (a request asking to close gets
// `Connection: close`; node:http does the same by itself).
//
// CORS: with the `cors` option the bundle responses carry the same CORS headers as the
// engine's, and a preflight (OPTIONS) is answered like the `cors` middleware does, as
// socket.io 4.8 does on its node:http server. (Upstream's own uWS route skips CORS; here a
// uWS server behaves like upstream's `new Server(port)`, which is an http server.) An
// `origin` function that fails or refuses leaves every CORS header out and the file is
// served, as upstream's middleware chain does.
import { readFileSync } from "node:fs";
import { STATUS_CODES, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import createDebug from "debug";
import type * as uWS from "uWebSockets.js";
import { applyCors, validateCors, type CorsOptions, type CorsResult } from "./engine/cors";
import { preferredEncoding } from "./engine/http-compression";
import type { EngineRequest } from "./engine/request";
import { endUws } from "./engine/uws-connection";

const debug = createDebug("hyperio:serve-client");

/** The files served, relative to socket.io-client's dist directory. */
export const CLIENT_FILES: ReadonlySet<string> = new Set([
  "socket.io.js",
  "socket.io.js.map",
  "socket.io.min.js",
  "socket.io.min.js.map",
  "socket.io.esm.min.js",
  "socket.io.esm.min.js.map",
  "socket.io.msgpack.min.js",
  "socket.io.msgpack.min.js.map",
]);

interface CachedFile {
  raw: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  deflate?: Buffer;
  contentType: string;
}

let clientDir: string | undefined;
let clientVersion: string | undefined;
const cache = new Map<string, CachedFile>();

function locateClient(): { dir: string; version: string } {
  if (!clientDir || !clientVersion) {
    const pkgPath = require.resolve("socket.io-client/package.json");
    clientVersion = (JSON.parse(readFileSync(pkgPath, "utf8")) as { version: string }).version;
    clientDir = join(dirname(pkgPath), "dist");
  }
  return { dir: clientDir, version: clientVersion };
}

/** The ETag of every bundle: the client version, quoted. */
export function clientEtag(): string {
  return `"${locateClient().version}"`;
}

function load(filename: string): CachedFile {
  let file = cache.get(filename);
  if (!file) {
    const raw = readFileSync(join(locateClient().dir, filename));
    const contentType = `application/${filename.endsWith(".map") ? "json" : "javascript"}; charset=utf-8`;
    file = { raw, contentType };
    cache.set(filename, file);
  }
  return file;
}

type BundleEncoding = "br" | "gzip" | "deflate";

/** The encodings the bundles are served in, in upstream's order of preference. */
const BUNDLE_ENCODINGS: readonly BundleEncoding[] = ["br", "gzip", "deflate"];

/** The encoding for a request's Accept-Encoding (undefined: unencoded), as upstream picks it. */
function pickEncoding(acceptEncoding: string | undefined): BundleEncoding | undefined {
  return preferredEncoding(acceptEncoding, BUNDLE_ENCODINGS);
}

function body(file: CachedFile, encoding: BundleEncoding | undefined): Buffer {
  if (encoding === "br") return (file.br ??= brotliCompressSync(file.raw));
  if (encoding === "gzip") return (file.gzip ??= gzipSync(file.raw));
  if (encoding === "deflate") return (file.deflate ??= deflateSync(file.raw));
  return file.raw;
}

function isFresh(ifNoneMatch: string | undefined): boolean {
  if (!ifNoneMatch) return false;
  const etag = clientEtag();
  return ifNoneMatch === etag || ifNoneMatch === "W/" + etag;
}

/** The bundle name requested by `url` under `path`, or undefined if it is not one. */
export function clientFileOf(url: string, path: string): string | undefined {
  if (!url.startsWith(path + "/")) return undefined;
  const name = url.slice(path.length + 1).split("?")[0];
  return CLIENT_FILES.has(name) ? name : undefined;
}

/** The CORS setting of the client route: the `cors` option as the engine reads it. */
export function clientCors(cors: unknown): CorsOptions | false {
  return validateCors(cors as CorsOptions | boolean | undefined);
}

/** CORS headers for a request (none when CORS is off or the origin function failed). */
function corsFor(
  cors: CorsOptions | false,
  method: string,
  headers: Record<string, string | undefined>,
  cb: (result: CorsResult | undefined) => void,
): void {
  if (!cors) return cb(undefined);
  const apply = (opts: CorsOptions) =>
    applyCors(opts, { method, headers } as unknown as EngineRequest, (err, result) => {
      if (err) debug("cors origin function failed: %s", err);
      cb(err ? undefined : result);
    });
  const origin = cors.origin;
  if (typeof origin !== "function") return apply(cors);
  // As the `cors` middleware: an origin function answering an error or a falsy origin skips
  // CORS entirely (no Vary, no preflight answer: the file is served).
  let answered = false;
  try {
    origin(headers.origin, (err, resolved) => {
      if (answered) return;
      answered = true;
      if (err || !resolved) return cb(undefined);
      apply({ ...cors, origin: resolved });
    });
  } catch (err) {
    debug("cors origin function threw: %s", err);
    if (!answered) {
      answered = true;
      cb(undefined);
    }
  }
}

/**
 * Registers the bundle route on a uWS App. Other URLs under `path` are yielded to the next
 * matching route (the engine's). As upstream, a bundle URL is answered whatever the method
 * (HEAD without a body; OPTIONS is a preflight when `cors` is on).
 */
export function serveClientOnApp(app: uWS.TemplatedApp, path: string, cors: CorsOptions | false = false): void {
  const handler = (res: uWS.HttpResponse, req: uWS.HttpRequest): void => {
    const filename = clientFileOf(req.getUrl(), path);
    if (!filename) {
      req.setYield(true);
      return;
    }
    const m = req.getMethod();
    const method = m === "get" ? "GET" : m.toUpperCase();
    // HttpRequest is only valid synchronously: read what we need now.
    const ifNoneMatch = req.getHeader("if-none-match");
    const encoding = pickEncoding(req.getHeader("accept-encoding"));
    const connection = req.getHeader("connection");
    const requestHeaders = {
      origin: req.getHeader("origin") || undefined,
      "access-control-request-headers": req.getHeader("access-control-request-headers") || undefined,
    };
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    corsFor(cors, method, requestHeaders, (result) => {
      if (aborted) return;
      res.cork(() => {
        const writeCors = () => {
          if (result) for (const [name, value] of Object.entries(result.headers)) res.writeHeader(name, value);
        };
        if (result?.preflight) {
          res.writeStatus(statusLine(result.status));
          writeCors();
          endUws(res, undefined, connection, false);
          return;
        }
        let file: CachedFile;
        try {
          file = load(filename);
        } catch (err) {
          debug("cannot read %s: %s", filename, err);
          res.writeStatus("404 Not Found");
          endUws(res, undefined, connection, false);
          return;
        }
        if (isFresh(ifNoneMatch)) {
          res.writeStatus("304 Not Modified").writeHeader("ETag", clientEtag());
          writeCors();
          endUws(res, undefined, connection, false);
          return;
        }
        res.writeStatus("200 OK");
        writeCors();
        res.writeHeader("Cache-Control", "public, max-age=0");
        res.writeHeader("Content-Type", file.contentType);
        res.writeHeader("ETag", clientEtag());
        if (encoding) res.writeHeader("Content-Encoding", encoding);
        // HEAD: no body, and so `Content-Length: 0`. uWS 20.30's endWithoutBody(length)
        // leaves the response unfinished (measured: the next request on the connection
        // hangs, and returning from the handler aborts the process), so it is not used.
        endUws(res, method === "HEAD" ? undefined : body(file, encoding), connection, false);
      });
    });
  };
  app.any(path + "/*", handler);
}

function statusLine(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? ""}`;
}

/**
 * Answers bundle requests on a node:http server before any other `request` listener
 * (including the engine's), which keep receiving every other request. As upstream, a
 * bundle URL is answered whatever the method.
 */
export function serveClientOnHttp(httpServer: HttpServer, path: string, cors: CorsOptions | false = false): void {
  const others = httpServer.listeners("request").slice() as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  httpServer.removeAllListeners("request");
  httpServer.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const filename = clientFileOf(req.url ?? "", path);
    if (!filename) {
      for (const listener of others) listener.call(httpServer, req, res);
      return;
    }
    const headers = {
      origin: req.headers.origin,
      "access-control-request-headers": req.headers["access-control-request-headers"] as string | undefined,
    };
    corsFor(cors, req.method ?? "GET", headers, (result) => {
      if (result) for (const [name, value] of Object.entries(result.headers)) res.setHeader(name, value);
      if (result?.preflight) {
        res.statusCode = result.status;
        res.setHeader("Content-Length", "0");
        res.end();
        return;
      }
      serveHttp(filename, req, res);
    });
  });
}

function serveHttp(filename: string, req: IncomingMessage, res: ServerResponse): void {
  let file: CachedFile;
  try {
    file = load(filename);
  } catch (err) {
    debug("cannot read %s: %s", filename, err);
    res.writeHead(404).end();
    return;
  }
  if (isFresh(req.headers["if-none-match"])) {
    res.writeHead(304, { ETag: clientEtag() }).end();
    return;
  }
  const encoding = pickEncoding(req.headers["accept-encoding"] as string | undefined);
  const headers: Record<string, string> = {
    "Cache-Control": "public, max-age=0",
    "Content-Type": file.contentType,
    ETag: clientEtag(),
  };
  if (encoding) headers["Content-Encoding"] = encoding;
  const payload = body(file, encoding);
  // Known length: an HTTP/1.0 keep-alive client can keep its connection (without it node
  // must close after the body), and HTTP/1.1 needs no chunked framing.
  headers["Content-Length"] = String(payload.length);
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : payload);
}
