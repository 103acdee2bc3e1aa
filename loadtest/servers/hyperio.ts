// hyperio on its fast path: `new Server(opts).listen(port)` on uWebSockets.js.
//
// Also the `hyperio-twin` server: the same process started with HYPERIO_NO_NATIVE=1 (see
// lib/server-proc.ts), so src/native runs its TypeScript twins instead of the C++ addon. The
// listening notice carries src/native's `nativeInfo`, and the driver checks it.
import type { NativeInfo } from "../../src/native/loader";
import type { loadUws as LoadUws } from "../../src/engine/uws-loader";
import { freePort, waitForPort } from "../lib/ports";
import { announce, serveControl } from "./control-loop";
import { hyperioRoot, loadHyperioServer, requireHyperio } from "./hyperio-module";
import { SIO_OPTIONS, wireSocketIo } from "./sio-app";

async function main(): Promise<void> {
  // uWS and src/native from the same copy of hyperio as the Server (src/ via tsx, or a build).
  const { loadUws } = requireHyperio<{ loadUws: typeof LoadUws }>("engine/uws-loader");
  const { nativeInfo } = requireHyperio<{ nativeInfo: NativeInfo }>("native");
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
  const requested = process.env.LOADTEST_SERVER_KIND;
  const kind = requested && /^hyperio-(twin|base|t\d+)$/.test(requested) ? requested : "hyperio";
  announce({
    kind,
    port,
    uwsNative: !isShim,
    transports: ["websocket", "polling"],
    native: { native: nativeInfo.native, reason: nativeInfo.reason },
    code: hyperioRoot().from,
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
