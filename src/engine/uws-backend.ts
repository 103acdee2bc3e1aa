// Wires an engine into a uWS app: `app.any(path)` for polling, `app.ws(path)` for
// WebSocket, plus `listen()` on a fresh app. It sees the engine only as an EngineHost
// (engine-host.ts): the options, the middlewares and the entry points it hands requests to.
import createDebug from "debug";
import type * as uWS from "uWebSockets.js";
import { EngineErrorCode, errorMessage } from "./errors";
import type { ResponseHeaders } from "./http-exchange";
import { runWithCollector } from "./middleware";
import type { EngineRequest } from "./request";
import { snapshotUwsRequest } from "./request";
import type { EngineHost } from "./engine-host";
import { UwsWebSocketTransport } from "./transports/uws-websocket";
import { UwsWebSocketTransportV3 } from "./transports/uws-websocket-v3";
import { protocolOf, v3SupportsBinary } from "./protocol";
import { loadUws } from "./uws-loader";
import { connectionHeader, endUws, notImplementedUws, webSocketLimits } from "./uws-connection";
import { inUwsScope, inUwsScopeWith, inWsHandler, UwsExchange } from "./uws-exchange";
import { STATUS_CODES } from "node:http";

const debug = createDebug("hyperio:engine:uws-backend");

export interface UwsAttachOptions {
  path?: string;
  /** Set when the app is a uWS SSLApp (reported as `request.connection.encrypted`). */
  encrypted?: boolean;
}

export interface UwsBinding {
  app: uWS.TemplatedApp;
  close(): void;
}

/** Per-WebSocket data handed from the upgrade handler to `open`. */
interface WsUserData {
  req: EngineRequest;
  /** Id for a new session; undefined for an upgrade of an existing one. */
  id: string | undefined;
  transport: UwsWebSocketTransport | undefined;
}

export function attachUws(
  engine: EngineHost,
  app: uWS.TemplatedApp,
  path: string,
  options: UwsAttachOptions,
): UwsBinding {
  const { uws } = loadUws();
  const opts = engine.opts;
  const encrypted = !!options.encrypted;
  const deflate = opts.perMessageDeflate;

  // uWS routes match exactly: serve the path with and without its trailing slash (clients
  // built with addTrailingSlash: false request "/socket.io?EIO=4...").
  const paths = [path, path.slice(0, -1)];
  const onHttp = (res: uWS.HttpResponse, req: uWS.HttpRequest): void => {
    // Lazy: with no middleware, user code sees this request only through the engine's
    // events, which pin it first (request.ts).
    const snap = snapshotUwsRequest(res, req, encrypted, engine.middlewares.length === 0);
    // Bodies only matter on an existing session; read them now, before the handler returns.
    const readBody = snap.method === "POST" && snap._query.sid !== undefined;
    const ex = new UwsExchange(res, snap, readBody ? opts.maxHttpBufferSize : undefined);
    inUwsScope(ex, () => {
      if (engine.middlewares.length === 0) {
        engine.handleHttp(ex);
        return;
      }
      runWithCollector(engine.middlewares, snap, (err, shim) => {
        if (ex.aborted) return;
        if (err) return engine.rejectMiddleware(ex, err);
        if (shim.ended) return ex.respond(shim.statusCode, shim.headers, shim.body ?? "");
        ex.baseHeaders = { ...ex.baseHeaders, ...shim.headers };
        engine.handleHttp(ex);
      });
    });
  };
  for (const p of paths) app.any(p, onHttp);

  if (opts.transports.includes("websocket")) {
    // One options object for every WebSocket transport of this binding.
    const wsOpts = {
      maxBufferedBytes: opts.maxBufferedBytes,
      compressThreshold: deflate ? deflate.threshold : false,
    } as const;
    const behavior: uWS.WebSocketBehavior<WsUserData> = {
      // Per-subscriber budget (webSocketLimits), enforced by uWS on direct sends and on
      // app.publish alike: a send or publish reaching a socket already holding more than
      // maxBufferedBytes is DROPPED, and closeOnBackpressureLimit then shuts the socket's
      // reading side, so uWS runs our close handler (code 1006, no message) in the same or
      // the next loop iteration. The close is attributed in subscription/close below.
      //
      // uWS accepts one send of any size to a socket under the budget, so a socket may hold
      // more while it drains one large message: the transport then keeps direct sends back
      // instead of letting uWS drop them, and the uWS adapter writes broadcasts instead of
      // publishing them (transports/uws-websocket.ts), so a reader that keeps reading is
      // never closed. What can be lost, exactly: a publish (engine.publish) reaching a
      // socket over its budget is dropped, and the session closes with "buffer limit
      // exceeded" when uWS reports the close, at the latest one loop iteration later; until
      // then it may still look open, and what was buffered but not yet written is lost with
      // the connection, as on any close. A session that stays open has lost nothing.
      ...webSocketLimits(uws, opts),
      upgrade: (res, req, context) => inWsHandler(() => onUpgrade(engine, res, req, context, encrypted)),
      open: (ws) =>
        inWsHandler(() => {
          const data = ws.getUserData();
          const transport =
            protocolOf(data.req) === 4
              ? new UwsWebSocketTransport(wsOpts)
              : new UwsWebSocketTransportV3(wsOpts, v3SupportsBinary(data.req));
          data.transport = transport;
          transport.attach(ws as uWS.WebSocket<unknown>);
          if (!engine.onWebSocketOpen(data.req, transport, data.id)) {
            // Refused (a second WebSocket of a session): closed as upstream closes it, with
            // no status code; the transport never saw the socket's close.
            data.transport = undefined;
            ws.end();
          }
        }),
      message: (ws, message, isBinary) => inUwsScopeWith(null, onWsMessage, ws, message, isBinary),
      drain: (ws) => inWsHandler(() => ws.getUserData().transport?.onUwsDrain()),
      // uWS drops every subscription of a closing socket just before its close handler,
      // while the socket can still be queried: the only moment its buffered amount (and so
      // a backpressure close) can be told apart from a peer that went away.
      subscription: (ws, _topic, newCount, oldCount) => {
        if (newCount < oldCount) ws.getUserData().transport?.onUwsUnsubscribed();
      },
      // uWS cuts a connection over what the peer sent (a message over maxPayloadLength,
      // invalid UTF-8, a bad frame) with code 1006 and a message saying why; a peer that
      // went away, or a backpressure close, is 1006 with no message.
      close: (ws, code, message) =>
        inWsHandler(() => {
          const data = ws.getUserData();
          const t = data.transport;
          data.transport = undefined;
          t?.onUwsClose(code === 1006 && message.byteLength > 0 ? Buffer.from(message).toString() : undefined);
        }),
    };
    for (const p of paths) app.ws<WsUserData>(p, behavior);
  }
  debug("attached on %s", path);
  return { app, close: () => {} };
}

/** Creates a uWS app, attaches the engine and listens; resolves with the bound port. */
export function listenUws(
  engine: EngineHost,
  port: number,
  host: string | undefined,
  register: (b: UwsBinding) => void,
): Promise<number> {
  const { uws } = loadUws();
  const app = uws.App();
  const binding = attachUws(engine, app, engine.opts.path, {});
  // We own this app: answer other paths instead of letting uWS drop the connection, with
  // what upstream engine.io's listen() server answers them (501 Not Implemented).
  app.any("/*", notImplementedUws);
  return new Promise((resolve, reject) => {
    const onListen = (ls: uWS.us_listen_socket | false): void => {
      if (!ls) {
        reject(new Error(`hyperio/engine: cannot listen on ${host ?? "0.0.0.0"}:${port}`));
        return;
      }
      let open = true;
      register({
        app,
        close: () => {
          if (!open) return;
          open = false;
          uws.us_listen_socket_close(ls);
          binding.close();
          // We own this app, so its idle keep-alive connections are ours to end (they would
          // keep the process alive). app.close() exists natively but is missing from the
          // typings; responses deferred to setImmediate go out first.
          const closable = app as unknown as { close?: () => void };
          if (typeof closable.close === "function") setImmediate(() => closable.close!());
        },
      });
      resolve(uws.us_socket_local_port(ls as unknown as uWS.us_socket));
    };
    if (host) app.listen(host, port, onListen);
    else app.listen(port, onListen);
  });
}

/**
 * Writes a complete HTTP response on an upgrade request we refuse, and closes the
 * connection (saying `Connection: close`), as upstream engine.io does: a client that asked
 * to upgrade is not expected to reuse the connection for plain HTTP.
 */
function refuseUpgrade(
  res: uWS.HttpResponse,
  connection: string | undefined,
  status: number,
  body: string | Buffer,
  contentType: string | undefined,
): void {
  res.cork(() => {
    res.writeStatus(`${status} ${STATUS_CODES[status] ?? "Unknown"}`);
    if (contentType) res.writeHeader("Content-Type", contentType);
    endUws(res, body, connection, true);
  });
}

/**
 * Refuses an upgrade the engine turned down (verification or a middleware error) as
 * upstream engine.io does on every backend: 400 whatever the code (403 is for polling only),
 * the plain message as text/html (allowRequest's own message when it gave one), so clients
 * see the same "Unexpected server response: 400".
 */
function refuseEngineUpgrade(res: uWS.HttpResponse, connection: string | undefined, code: EngineErrorCode, context?: { message?: unknown }): void {
  refuseUpgrade(res, connection, 400, errorMessage(code, context), "text/html");
}

/**
 * The uWS `upgrade` handler: snapshot the request synchronously, run middlewares, verify
 * (possibly async), then upgrade inside a cork, or refuse with upstream's error body.
 */
function onUpgrade(
  engine: EngineHost,
  res: uWS.HttpResponse,
  req: uWS.HttpRequest,
  context: uWS.us_socket_context_t,
  encrypted: boolean,
): void {
  const snap = snapshotUwsRequest(res, req, encrypted);
  const key = req.getHeader("sec-websocket-key");
  const protocol = req.getHeader("sec-websocket-protocol");
  const extensions = req.getHeader("sec-websocket-extensions");
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  const verify = (extraHeaders: ResponseHeaders): void =>
    engine.verifyUpgrade(snap, (verdict) => {
      if (aborted) return;
      if (!verdict.ok) {
        refuseEngineUpgrade(res, connectionHeader(snap.headers), verdict.code, verdict.context);
        return;
      }
      res.cork(() => {
        res.writeStatus("101 Switching Protocols");
        const headers = { ...extraHeaders, ...verdict.headers };
        for (const k in headers) {
          const v = headers[k];
          if (Array.isArray(v)) for (const x of v) res.writeHeader(k, x);
          else res.writeHeader(k, v);
        }
        const data: WsUserData = { req: snap, id: verdict.id, transport: undefined };
        res.upgrade(data, key, protocol, extensions, context);
      });
    });
  if (engine.middlewares.length === 0) return verify({});
  runWithCollector(engine.middlewares, snap, (err, shim) => {
    if (aborted) return;
    if (err) {
      engine.middlewareUpgradeError(snap, err);
      refuseEngineUpgrade(res, connectionHeader(snap.headers), EngineErrorCode.BAD_REQUEST);
    } else if (shim.ended) {
      refuseUpgrade(res, connectionHeader(snap.headers), shim.statusCode, shim.body ?? "", undefined);
    } else {
      verify(shim.headers);
    }
  });
}

/** The uWS `message` handler body (a plain function: it runs for every message). */
function onWsMessage(ws: uWS.WebSocket<WsUserData>, message: ArrayBuffer, isBinary: boolean): void {
  ws.getUserData().transport?.onMessage(message, isBinary);
}
