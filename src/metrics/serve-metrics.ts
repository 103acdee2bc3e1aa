// The `metrics: { path }` option: answers GET <path> with the Prometheus exposition text of
// a registry, on the uWS App (uWS backend) or the http.Server (node:http backend). Off
// unless the option is given; the registry is read only when a request comes.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import createDebug from "debug";
import type * as uWS from "uWebSockets.js";
import { endUws } from "../engine/uws-connection";
import type { PromClient } from "./prom-client";

const debug = createDebug("hyperio:metrics");

/** Serves `registry` at `path` on a uWS App (GET; other methods fall through to other routes). */
export function serveMetricsOnApp(app: uWS.TemplatedApp, path: string, registry: PromClient.Registry): void {
  app.get(path, (res, req) => {
    // HttpRequest is only valid synchronously: read what we need now.
    const connection = req.getHeader("connection");
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    registry.metrics().then(
      (text) => {
        if (aborted) return;
        res.cork(() => {
          res.writeStatus("200 OK");
          res.writeHeader("Content-Type", registry.contentType);
          endUws(res, text, connection, false);
        });
      },
      (err: unknown) => {
        debug("collecting metrics failed: %s", err);
        if (aborted) return;
        res.cork(() => {
          res.writeStatus("500 Internal Server Error");
          endUws(res, undefined, connection, false);
        });
      },
    );
  });
}

/**
 * Serves `registry` at `path` on a node:http server, ahead of its other `request`
 * listeners, which keep receiving every other request.
 */
export function serveMetricsOnHttp(httpServer: HttpServer, path: string, registry: PromClient.Registry): void {
  const others = httpServer.listeners("request").slice() as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  httpServer.removeAllListeners("request");
  httpServer.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "GET" || pathOf(req.url) !== path) {
      for (const listener of others) listener.call(httpServer, req, res);
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { "Content-Type": registry.contentType });
        res.end(text);
      },
      (err: unknown) => {
        debug("collecting metrics failed: %s", err);
        res.writeHead(500).end();
      },
    );
  });
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return "";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}
