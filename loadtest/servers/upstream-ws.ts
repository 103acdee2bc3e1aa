// Upstream socket.io 4.8 on node:http with its default `ws` WebSocket engine.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { announce, serveControl } from "./control-loop";
import { SIO_OPTIONS, wireSocketIo } from "./sio-app";

const http = createServer();
const io = new Server(http, { ...SIO_OPTIONS });
serveControl(wireSocketIo(io));
http.listen(Number(process.env.LOADTEST_PORT ?? 0), "127.0.0.1", () => {
  const port = (http.address() as AddressInfo).port;
  announce({ kind: "upstream-ws", port, uwsNative: null, transports: ["websocket", "polling"] });
});
