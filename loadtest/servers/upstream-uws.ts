// Upstream socket.io 4.8 attached to a uWebSockets.js App (io.attachApp), the App taken from
// hyperio's loader so the native binary is guaranteed (never the JS shim).
import { Server } from "socket.io";
import { loadUws } from "../../src/engine/uws-loader";
import { announce, serveControl } from "./control-loop";
import { SIO_OPTIONS, wireSocketIo } from "./sio-app";

const { uws, isShim } = loadUws();
const app = uws.App();
const io = new Server({ ...SIO_OPTIONS });
io.attachApp(app, { ...SIO_OPTIONS });
serveControl(wireSocketIo(io));
app.listen("127.0.0.1", Number(process.env.LOADTEST_PORT ?? 0), (token) => {
  if (!token) throw new Error("upstream-uws: listen failed");
  const port = uws.us_socket_local_port(token);
  announce({ kind: "upstream-uws", port, uwsNative: !isShim, transports: ["websocket", "polling"] });
});
