// Builds hyperio's Engine.IO server (src/engine) for each backend: the one seam through
// which the Socket.IO layer creates an engine. There is no other engine to fall back to;
// a user who wants their own engine (hyperio's, configured by hand, or any engine.io 6
// compatible server) creates it and hands it to `io.bind(engine)`.
import type { Server as HttpServer } from "node:http";
import createDebug from "debug";
import type * as uWS from "uWebSockets.js";
import { EngineServer } from "./engine";

const debug = createDebug("hyperio:engine-backend");

/** An engine serving `opts.path` on a uWS App (WebSocket and long-polling both on uWS). */
export function engineOnApp(app: uWS.TemplatedApp, opts: Record<string, any>): EngineServer {
  debug("engine on a uWS app at %s", opts.path);
  return new EngineServer(opts).attachApp(app, { path: opts.path, encrypted: opts.encrypted });
}

/** An engine serving `opts.path` on a node:http server (node:http + ws backend). */
export function engineOnHttp(httpServer: HttpServer, opts: Record<string, any>): EngineServer {
  debug("engine on a node:http server at %s", opts.path);
  return new EngineServer(opts).attach(httpServer, {
    path: opts.path,
    destroyUpgrade: opts.destroyUpgrade,
    destroyUpgradeTimeout: opts.destroyUpgradeTimeout,
  });
}
