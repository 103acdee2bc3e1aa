// Builds the Engine.IO server (hyperio's engine, src/engine) for each backend. Kept apart
// from the Server so the Socket.IO layer depends on the engine through one narrow seam.
import type { Server as HttpServer } from "node:http";
import createDebug from "debug";
import type * as uWS from "uWebSockets.js";
import { EngineServer } from "./engine";
import type { EngineBackend, EngineServer as EngineLike } from "./engine-types";

const debug = createDebug("hyperio:engine-backend");

const backend: EngineBackend = {
  forApp(app: uWS.TemplatedApp, opts: Record<string, any>): EngineLike {
    debug("engine on a uWS app at %s", opts.path);
    const engine = new EngineServer(opts);
    engine.attachApp(app, { path: opts.path, encrypted: opts.encrypted });
    return engine as unknown as EngineLike;
  },
  forHttp(httpServer: HttpServer, opts: Record<string, any>): EngineLike {
    debug("engine on a node:http server at %s", opts.path);
    const engine = new EngineServer(opts);
    engine.attach(httpServer, { path: opts.path, destroyUpgrade: opts.destroyUpgrade, destroyUpgradeTimeout: opts.destroyUpgradeTimeout });
    return engine as unknown as EngineLike;
  },
};

/** The engine factory. */
export function engineBackend(): EngineBackend {
  return backend;
}
