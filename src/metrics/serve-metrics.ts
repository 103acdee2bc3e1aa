// The `metrics: { path }` option: answers GET <path> with the Prometheus exposition text of
// a registry, on the uWS App (uWS backend) or the http.Server (node:http backend). Off
// unless the option is given; the registry is read only when a request comes.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from "node:http";
import createDebug from "debug";
import type * as uWS from "uWebSockets.js";
import { endUws } from "../engine/uws-connection";
import { pathOf } from "../engine/request";
import type { MetricsAnswer } from "../engine/threaded-backend";
import type { PromClient } from "./prom-client";

const debug = createDebug("hyperio:metrics");

/** The exposition text of `registry` as an HTTP answer: 200 with it, or an empty 500 (logged). */
export function metricsAnswer(registry: PromClient.Registry): Promise<MetricsAnswer> {
  return registry.metrics().then(
    (text) => ({ status: 200, contentType: registry.contentType, body: text }),
    (err: unknown) => {
      debug("collecting metrics failed: %s", err);
      return { status: 500, body: "" };
    },
  );
}

/** Serves `registry` at `path` on a uWS App (GET; other methods fall through to other routes). */
export function serveMetricsOnApp(app: uWS.TemplatedApp, path: string, registry: PromClient.Registry): void {
  app.get(path, (res, req) => {
    // HttpRequest is only valid synchronously: read what we need now.
    const connection = req.getHeader("connection");
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    void metricsAnswer(registry).then((answer) => {
      if (aborted) return;
      res.cork(() => {
        res.writeStatus(answer.status === 200 ? "200 OK" : "500 Internal Server Error");
        if (answer.contentType !== undefined) res.writeHeader("Content-Type", answer.contentType);
        endUws(res, answer.body, connection, false);
      });
    });
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
    if (req.method !== "GET" || pathOf(req.url ?? "") !== path) {
      for (const listener of others) listener.call(httpServer, req, res);
      return;
    }
    void metricsAnswer(registry).then((answer) => {
      res.writeHead(answer.status, answer.contentType !== undefined ? { "Content-Type": answer.contentType } : {});
      res.end(answer.body);
    });
  });
}
