// io.bind(engine): a Server driven by an Engine.IO server the user created themselves
// (hyperio's own engine on either backend, or upstream engine.io 6, as socket.io allows).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, globalAgent, type Server as HttpServer } from "node:http";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { Adapter, Server, UwsAdapter, loadUws } from "../../src/index";
import { EngineServer } from "../../src/engine";
import { connected, once, sleep } from "./helpers";

type Kind = "hyperio engine on node:http" | "hyperio engine on a uWS app" | "upstream engine.io";

interface Bound {
  io: Server;
  port: number;
  close(): Promise<void>;
}

async function bound(kind: Kind): Promise<Bound> {
  const io = new Server({ serveClient: false });
  if (kind === "hyperio engine on a uWS app") {
    const { uws } = loadUws();
    const app = uws.App();
    const engine = new EngineServer({ pingInterval: 5000 }).attachApp(app, { path: "/socket.io" });
    io.bind(engine);
    let listenSocket: any;
    app.listen("127.0.0.1", 0, (s) => {
      listenSocket = s;
    });
    const port = uws.us_socket_local_port(listenSocket);
    return {
      io,
      port,
      async close() {
        await io.close();
        uws.us_listen_socket_close(listenSocket);
      },
    };
  }
  const httpServer: HttpServer = createServer((_req, res) => res.writeHead(404).end());
  if (kind === "upstream engine.io") {
    const { Server: EngineIoServer } = await import("engine.io");
    const engine = new EngineIoServer({ pingInterval: 5000 });
    engine.attach(httpServer, { path: "/socket.io" });
    io.bind(engine);
  } else {
    io.bind(new EngineServer({ pingInterval: 5000 }).attach(httpServer, { path: "/socket.io" }));
  }
  await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
  return {
    io,
    port: (httpServer.address() as { port: number }).port,
    async close() {
      await io.close();
      await new Promise((r) => httpServer.close(r));
      globalAgent.destroy();
    },
  };
}

const KINDS: Kind[] = ["hyperio engine on node:http", "hyperio engine on a uWS app", "upstream engine.io"];

for (const kind of KINDS) {
  test(`io.bind(engine): ${kind}`, async () => {
    const b = await bound(kind);
    const clients: ClientSocket[] = [];
    try {
      const expected = kind === "hyperio engine on a uWS app" ? UwsAdapter : Adapter;
      assert.equal(b.io.of("/").adapter.constructor, expected, "default adapter for this engine");
      const sockets: any[] = [];
      b.io.on("connection", (s) => {
        sockets.push(s);
        s.join("room");
        s.on("echo", (x: unknown, cb: (y: unknown) => void) => cb(x));
      });
      for (const transport of ["websocket", "polling"] as const) {
        const c = ioc(`http://127.0.0.1:${b.port}`, { transports: [transport], forceNew: true, reconnection: false });
        clients.push(c);
        await connected(c);
        assert.deepEqual(await c.timeout(2000).emitWithAck("echo", { transport }), { transport });
      }
      assert.equal(b.io.engine.clientsCount, 2);
      const got = clients.map((c) => once<[string]>(c, "news"));
      b.io.to("room").emit("news", "hi");
      assert.deepEqual(await Promise.all(got), [["hi"], ["hi"]]);
      assert.deepEqual((await b.io.timeout(20).emitWithAck("ping" as never).catch((e: Error) => e.message)), "operation has timed out");
      const closed = clients.map((c) => once<[string]>(c, "disconnect"));
      sockets[0].disconnect(true);
      b.io.in(sockets[1].id).disconnectSockets(true);
      assert.deepEqual((await Promise.all(closed)).map(([reason]) => reason), ["io server disconnect", "io server disconnect"]);
    } finally {
      for (const c of clients) c.disconnect();
      // let the clients' close packets reach the engine before it closes
      await sleep(10);
      await b.close();
    }
  });
}
