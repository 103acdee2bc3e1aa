// hyperio on its drop-in path: attached to a node:http server (no uWS involved).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { announce, serveControl } from "./control-loop";
import { hyperioRoot, loadHyperioServer } from "./hyperio-module";
import { SIO_OPTIONS, wireSocketIo } from "./sio-app";

const Server = loadHyperioServer();
const http = createServer();
const io = new Server(http, { ...SIO_OPTIONS });
serveControl(wireSocketIo(io));
http.listen(Number(process.env.LOADTEST_PORT ?? 0), "127.0.0.1", () => {
  const port = (http.address() as AddressInfo).port;
  announce({ kind: "hyperio-node", port, uwsNative: null, transports: ["websocket", "polling"], code: hyperioRoot().from });
});
