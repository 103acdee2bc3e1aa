// A Socket.IO server in the test process with the load tools' event convention installed
// (loadtest/servers/sio-app.ts): hyperio on uWS (`new Server()` + listen(0), the default
// path), hyperio on node:http, or upstream socket.io on node:http.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as UpstreamServer } from "socket.io";
import { Server as HyperioServer } from "../../src/index";
import { SIO_OPTIONS, wireSocketIo, type SioServerLike } from "../../loadtest/servers/sio-app";

export type ConventionImpl = "hyperio" | "hyperio-node" | "upstream";

export interface ConventionServer {
  url: string;
  close(): Promise<void>;
}

export async function startConventionServer(impl: ConventionImpl): Promise<ConventionServer> {
  if (impl === "hyperio") {
    const io = new HyperioServer({ ...SIO_OPTIONS });
    wireSocketIo(io as unknown as SioServerLike);
    io.listen(0);
    return { url: `http://127.0.0.1:${io.port}`, close: () => io.close() };
  }
  const http = createServer();
  const io = impl === "upstream" ? new UpstreamServer(http, { ...SIO_OPTIONS }) : new HyperioServer(http, { ...SIO_OPTIONS });
  wireSocketIo(io as unknown as SioServerLike);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => void io.close(() => resolve())),
  };
}
