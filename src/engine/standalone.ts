// The module-level shortcuts upstream engine.io exports next to its Server class, so code
// written as `require("engine.io").listen(3000)` or `.attach(httpServer)` moves over by
// changing the import. Both return the engine at once, as upstream's do.
import type { Server as HttpServer } from "node:http";
import type { NodeAttachOptions } from "./node-backend";
import type { ServerOptions } from "./options";
import { EngineServer } from "./server";

/**
 * Creates an engine and serves it on its own uWS App on `port` (upstream creates an
 * http.Server there). `cb` runs once listening, or with `false` if the port cannot be bound;
 * without `cb` a failure to listen is thrown asynchronously, as an unhandled error.
 *
 * @example
 * import { listen } from "hyperio/engine";
 * const engine = listen(3000, { pingInterval: 10000 });
 * engine.on("connection", (socket) => socket.send("hi"));
 */
export function listen(port: number, options?: ServerOptions | ((port: number | false) => void), cb?: (port: number | false) => void): EngineServer {
  if (typeof options === "function") {
    cb = options;
    options = undefined;
  }
  const engine = new EngineServer(options);
  void engine.listen(port, cb);
  return engine;
}

/**
 * Creates an engine and serves it on an existing node:http server (node:http + ws backend);
 * requests to other paths still reach the server's other handlers.
 *
 * @example
 * import { attach } from "hyperio/engine";
 * const engine = attach(httpServer, { path: "/engine.io" });
 */
export function attach(httpServer: HttpServer, options: ServerOptions & NodeAttachOptions = {}): EngineServer {
  return new EngineServer(options).attach(httpServer, {
    path: options.path,
    destroyUpgrade: options.destroyUpgrade,
    destroyUpgradeTimeout: options.destroyUpgradeTimeout,
  });
}
