// hyperio on its fast path: `new Server(opts).listen(port)` on uWebSockets.js.
import { loadUws } from "../../src/engine/uws-loader";
import { freePort, waitForPort } from "../lib/ports";
import { announce, serveControl } from "./control-loop";
import { loadHyperioServer } from "./hyperio-module";
import { SIO_OPTIONS, wireSocketIo } from "./sio-app";

async function main(): Promise<void> {
  // hyperio loads uWS through the same loader; asking it here tells the report which binary ran.
  const { isShim } = loadUws();
  const Server = loadHyperioServer();
  const io = new Server({ ...SIO_OPTIONS });
  serveControl(wireSocketIo(io));
  // listen(0) and the `port` getter where the API has them; otherwise a port chosen up front.
  let port = Number(process.env.LOADTEST_PORT ?? 0);
  if (!port && !("port" in io)) port = await freePort();
  await Promise.resolve(io.listen(port));
  port = (io as { port?: number }).port ?? port;
  await waitForPort(port);
  announce({ kind: "hyperio", port, uwsNative: !isShim, transports: ["websocket", "polling"] });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
