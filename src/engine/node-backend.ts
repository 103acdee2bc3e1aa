// Wires an EngineServer into a node:http server: its requests carry polling, its `upgrade`
// events go to `ws` (noServer mode). Requests to other paths reach the server's own handlers.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import createDebug from "debug";
import { WebSocketServer } from "ws";
import { EngineErrorMessage, InvalidOptionError } from "./errors";
import { snapshotNodeRequest } from "./request";
import type { ResponseHeaders } from "./http-exchange";
import { runMiddlewares, runWithCollector } from "./middleware";
import { NodeExchange } from "./node-exchange";
import type { EngineServer } from "./server";
import { NodeWebSocketTransport } from "./transports/node-websocket";

const debug = createDebug("hyperio:engine:node-backend");

export interface NodeAttachOptions {
  path?: string;
  /** Destroy upgrade requests to other paths that nobody answered (default true). */
  destroyUpgrade?: boolean;
  /** ms to wait before destroying such an upgrade (default 1000). */
  destroyUpgradeTimeout?: number;
}

export interface NodeBinding {
  close(): void;
}

export function attachNode(
  engine: EngineServer,
  server: HttpServer,
  path: string,
  options: NodeAttachOptions,
): NodeBinding {
  const opts = engine.opts;
  const destroyUpgrade = options.destroyUpgrade !== false;
  const destroyUpgradeTimeout = options.destroyUpgradeTimeout ?? 1000;
  if (options.destroyUpgrade !== undefined && typeof options.destroyUpgrade !== "boolean") {
    throw new InvalidOptionError("destroyUpgrade", "expected a boolean");
  }
  if (typeof destroyUpgradeTimeout !== "number" || !(destroyUpgradeTimeout >= 0) || destroyUpgradeTimeout > 2 ** 31 - 1) {
    throw new InvalidOptionError("destroyUpgradeTimeout", "expected a number of ms between 0 and 2^31-1");
  }
  // Prefix match, as upstream engine.io: everything under the path belongs to the engine
  // (unknown requests there get an engine error instead of hanging unanswered); the path
  // without its trailing slash is accepted too.
  const bare = path.slice(0, -1);
  const matches = (url: string | undefined): boolean => {
    if (!url) return false;
    return url.startsWith(path) || url === bare || url.startsWith(bare + "?");
  };

  const previous = server.listeners("request").slice() as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (matches(req.url)) {
      const ex = new NodeExchange(req, res, snapshotNodeRequest(req));
      if (engine.middlewares.length === 0) {
        engine.handleHttp(ex);
        return;
      }
      runMiddlewares(engine.middlewares, req, res, (err) => {
        if (ex.aborted) return;
        if (err) return engine.rejectMiddleware(ex, err);
        // The middleware answered the request itself.
        if (res.headersSent || res.writableEnded) return;
        engine.handleHttp(ex);
      });
      return;
    }
    for (const l of previous) l.call(server, req, res);
  });

  const deflate = opts.perMessageDeflate;
  const wss = opts.transports.includes("websocket")
    ? new WebSocketServer({
        noServer: true,
        clientTracking: false,
        perMessageDeflate: deflate ? { threshold: deflate.threshold } : false,
        maxPayload: opts.maxHttpBufferSize,
      })
    : undefined;
  // Extra 101 headers decided during verification, keyed by request.
  const pendingHeaders = new WeakMap<IncomingMessage, ResponseHeaders>();
  wss?.on("headers", (lines: string[], req: IncomingMessage) => {
    const extra = pendingHeaders.get(req);
    if (!extra) return;
    for (const k in extra) {
      const v = extra[k];
      for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`);
    }
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!wss || !matches(req.url)) {
      if (!wss && matches(req.url)) socket.destroy();
      else if (destroyUpgrade) {
        // Nobody else answered this upgrade: do not leave the socket open forever.
        socket.on("error", () => {});
        const t = setTimeout(() => {
          const s = socket as Duplex & { bytesWritten?: number };
          if (s.writable && (s.bytesWritten ?? 0) <= 0) s.end();
        }, destroyUpgradeTimeout);
        socket.once("close", () => clearTimeout(t));
      }
      return;
    }
    socket.on("error", (err) => debug("upgrade socket error: %s", err.message));
    const snap = snapshotNodeRequest(req);
    const headCopy = Buffer.from(head);
    const verify = (extraHeaders: ResponseHeaders): void =>
      engine.verifyUpgrade(snap, (verdict) => {
        if (socket.destroyed) return;
        if (!verdict.ok) return refuseUpgrade(socket, 400, EngineErrorMessage[verdict.code]);
        pendingHeaders.set(req, { ...extraHeaders, ...verdict.headers });
        wss.handleUpgrade(req, socket, headCopy, (ws) => {
          const transport = new NodeWebSocketTransport(ws, {
            maxBufferedBytes: opts.maxBufferedBytes,
            compressThreshold: deflate ? deflate.threshold : false,
          });
          engine.onWebSocketOpen(snap, transport, verdict.id);
        });
      });
    if (engine.middlewares.length === 0) return verify({});
    runWithCollector(engine.middlewares, req, (err, shim) => {
      if (socket.destroyed) return;
      if (err) {
        engine.middlewareUpgradeError(snap, err);
        refuseUpgrade(socket, 400, EngineErrorMessage[3]);
      } else if (shim.ended) {
        refuseUpgrade(socket, shim.statusCode, shim.body ?? "");
      } else {
        verify(shim.headers);
      }
    });
  };
  server.on("upgrade", onUpgrade);
  const onClose = (): void => {
    engine.close();
  };
  server.on("close", onClose);
  return {
    close: () => {
      wss?.close();
    },
  };
}

/** Answers an upgrade request we refuse with a complete HTTP response and closes it. */
function refuseUpgrade(socket: Duplex, status: number, body: string | Buffer): void {
  const len = typeof body === "string" ? Buffer.byteLength(body) : body.length;
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\nConnection: close\r\n` +
      `Content-Type: text/html\r\nContent-Length: ${len}\r\n\r\n`,
  );
  socket.end(body);
}
