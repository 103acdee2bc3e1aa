// The node:http backend: polling over node's requests, WebSocket through `ws` (noServer
// mode). `NodeHandler` serves requests and upgrades handed to it (engine.handleRequest /
// handleUpgrade, for apps that route themselves, as with upstream engine.io); `attachNode`
// wires one into an http.Server, leaving other paths to the server's own handlers.
//
// It sees the engine only as an EngineHost (engine-host.ts).
//
// Invariant: one `ws` server per engine (`engine.ws`), shared by every attached http.Server
// and by handleUpgrade; closed by engine.close() and created again on next use.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import createDebug from "debug";
import { WebSocketServer } from "ws";
import { EngineErrorCode, errorMessage, InvalidOptionError } from "./errors";
import { snapshotNodeRequest } from "./request";
import type { ResponseHeaders } from "./http-exchange";
import { runMiddlewares, runWithCollector } from "./middleware";
import { NodeExchange } from "./node-exchange";
import type { EngineHost } from "./engine-host";
import { NodeWebSocketOptions, NodeWebSocketTransport } from "./transports/node-websocket";
import { NodeWebSocketTransportV3 } from "./transports/node-websocket-v3";
import { protocolOf, v3SupportsBinary } from "./protocol";

const debug = createDebug("hyperio:engine:node-backend");

export interface NodeAttachOptions {
  path?: string;
  /** Destroy upgrade requests to other paths that nobody answered (default true). */
  destroyUpgrade?: boolean;
  /** ms to wait before destroying such an upgrade (default 1000). */
  destroyUpgradeTimeout?: number;
}

/** Serves Engine.IO requests and upgrades of one engine over node:http, whatever their path. */
export class NodeHandler {
  private wss: WebSocketServer | undefined;
  /** Extra 101 headers decided during verification, keyed by request. */
  private readonly pendingHeaders = new WeakMap<IncomingMessage, ResponseHeaders>();

  constructor(private readonly engine: EngineHost) {}

  /**
   * The `ws` server upgrades go through, created on first use; undefined when the
   * websocket transport is not allowed.
   */
  get ws(): WebSocketServer | undefined {
    const opts = this.engine.opts;
    if (!opts.transports.includes("websocket")) return undefined;
    if (this.wss) return this.wss;
    const deflate = opts.perMessageDeflate;
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: deflate ? { threshold: deflate.threshold } : false,
      maxPayload: opts.maxHttpBufferSize,
    });
    wss.on("headers", (lines: string[], req: IncomingMessage) => {
      const extra = this.pendingHeaders.get(req);
      if (!extra) return;
      this.pendingHeaders.delete(req);
      for (const k in extra) {
        const v = extra[k];
        for (const x of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${x}`);
      }
    });
    this.wss = wss;
    return wss;
  }

  /** An HTTP request of the engine (polling, or an error answer). */
  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const engine = this.engine;
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
  }

  /** An HTTP upgrade of the engine: middlewares, verification, then `ws` takes the socket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const engine = this.engine;
    socket.on("error", (err) => debug("upgrade socket error: %s", err.message));
    const snap = snapshotNodeRequest(req);
    const headCopy = Buffer.from(head);
    const verify = (extraHeaders: ResponseHeaders): void =>
      engine.verifyUpgrade(snap, (verdict) => {
        if (socket.destroyed) return;
        // 400 and the plain message (allowRequest's own when it gave one), as upstream.
        if (!verdict.ok) return refuseUpgrade(socket, 400, errorMessage(verdict.code, verdict.context));
        // Looked up now, not at the request: engine.close() may have replaced it meanwhile.
        const wss = this.ws;
        // Unreachable in practice: verification refuses the websocket transport without it.
        if (!wss) return refuseUpgrade(socket, 400, errorMessage(EngineErrorCode.UNKNOWN_TRANSPORT));
        this.pendingHeaders.set(req, { ...extraHeaders, ...verdict.headers });
        wss.handleUpgrade(req, socket, headCopy, (ws) => {
          const wsOpts: NodeWebSocketOptions = {
            maxBufferedBytes: engine.opts.maxBufferedBytes,
            compressThreshold: engine.opts.perMessageDeflate ? engine.opts.perMessageDeflate.threshold : false,
          };
          const transport =
            protocolOf(snap) === 4
              ? new NodeWebSocketTransport(ws, wsOpts)
              : new NodeWebSocketTransportV3(ws, wsOpts, v3SupportsBinary(snap));
          // Refused (a second WebSocket of a session): closed as upstream closes it, with no
          // status code.
          if (!engine.onWebSocketOpen(snap, transport, verdict.id)) ws.close();
        });
      });
    if (engine.middlewares.length === 0) return verify({});
    runWithCollector(engine.middlewares, req, (err, shim) => {
      if (socket.destroyed) return;
      if (err) {
        engine.middlewareUpgradeError(snap, err);
        refuseUpgrade(socket, 400, errorMessage(EngineErrorCode.BAD_REQUEST));
      } else if (shim.ended) {
        refuseUpgrade(socket, shim.statusCode, shim.body ?? "");
      } else {
        verify(shim.headers);
      }
    });
  }

  /** Closes the `ws` server (upgrades still in flight get its 503); the next use makes a new one. */
  close(): void {
    const wss = this.wss;
    this.wss = undefined;
    wss?.close();
  }
}

/** Routes the engine path of `server` to `handler`; other requests reach the server's own listeners. */
export function attachNode(
  engine: EngineHost,
  handler: NodeHandler,
  server: HttpServer,
  path: string,
  options: NodeAttachOptions,
): void {
  const destroyUpgrade = options.destroyUpgrade !== false;
  const destroyUpgradeTimeout = options.destroyUpgradeTimeout ?? 1000;
  if (options.destroyUpgrade !== undefined && typeof options.destroyUpgrade !== "boolean") {
    throw new InvalidOptionError("destroyUpgrade", "expected a boolean");
  }
  if (typeof destroyUpgradeTimeout !== "number" || !(destroyUpgradeTimeout >= 0) || destroyUpgradeTimeout > 2 ** 31 - 1) {
    throw new InvalidOptionError("destroyUpgradeTimeout", "expected a number of ms between 0 and 2^31-1");
  }
  const websocket = engine.opts.transports.includes("websocket");
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
      handler.handleRequest(req, res);
      return;
    }
    for (const l of previous) l.call(server, req, res);
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (matches(req.url)) {
      if (websocket) handler.handleUpgrade(req, socket, head);
      else socket.destroy();
      return;
    }
    if (!destroyUpgrade) return;
    // Nobody else answered this upgrade: do not leave the socket open forever.
    socket.on("error", () => {});
    const t = setTimeout(() => {
      const s = socket as Duplex & { bytesWritten?: number };
      if (s.writable && (s.bytesWritten ?? 0) <= 0) s.end();
    }, destroyUpgradeTimeout);
    socket.once("close", () => clearTimeout(t));
  });
  server.on("close", () => {
    engine.close();
  });
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
