import { test } from "node:test";
import assert from "node:assert/strict";
import { MATRIX, connected, once, start } from "./helpers";

for (const { backend, transport } of MATRIX) {
  test(`connect, emit both ways with acks, disconnect (${backend}/${transport})`, async () => {
    const h = await start(backend, {}, transport);
    try {
      const serverSide = once<[any]>(h.io, "connection");
      const client = h.client();
      await connected(client);
      const [socket] = await serverSide;
      assert.equal(socket.id, client.id);
      assert.equal(socket.connected, true);
      assert.ok(socket.rooms.has(socket.id));
      assert.equal(socket.handshake.headers.host, `127.0.0.1:${h.port}`);
      assert.equal(typeof socket.handshake.issued, "number");
      assert.equal(socket.handshake.query.EIO, "4");
      // uWS reports the raw IPv4-mapped form (as upstream uServer does)
      assert.match(socket.handshake.address, /127\.0\.0\.1|ffff:7f00:0001/);
      assert.equal(socket.handshake.secure, false);
      assert.equal(socket.handshake.xdomain, false);
      assert.match(socket.handshake.url, /^\/socket\.io\/\?EIO=4/);
      assert.deepEqual(socket.handshake.auth, {});
      assert.equal(socket.request.headers.host, `127.0.0.1:${h.port}`);
      assert.equal(socket.conn.transport.name, transport);
      assert.equal(socket.recovered, false);
      assert.equal(socket.disconnected, false);

      // server -> client with ack
      client.on("greet", (name: string, ack: (r: string) => void) => ack("hi " + name));
      const answer = await socket.timeout(2000).emitWithAck("greet", "bob");
      assert.equal(answer, "hi bob");

      // client -> server with ack
      socket.on("sum", (a: number, b: number, ack: (r: number) => void) => ack(a + b));
      const sum = await client.timeout(2000).emitWithAck("sum", 2, 3);
      assert.equal(sum, 5);

      // server-initiated disconnect
      const reason = once<[string]>(client, "disconnect");
      const serverReason = once<[string]>(socket, "disconnect");
      socket.disconnect();
      assert.equal((await reason)[0], "io server disconnect");
      assert.equal((await serverReason)[0], "server namespace disconnect");
      assert.equal(socket.connected, false);
      assert.equal(h.io.sockets.sockets.size, 0);
    } finally {
      await h.cleanup();
    }
  });

  test(`client disconnect reason (${backend}/${transport})`, async () => {
    const h = await start(backend, {}, transport);
    try {
      const serverSide = once<[any]>(h.io, "connection");
      const client = h.client();
      const [socket] = await serverSide;
      await connected(client);
      const reason = once<[string]>(socket, "disconnect");
      socket.join("kept-until-disconnect");
      const roomsWhileDisconnecting = new Promise<string[]>((resolve) =>
        socket.on("disconnecting", () => resolve([...socket.rooms])),
      );
      client.disconnect();
      assert.ok((await roomsWhileDisconnecting).includes("kept-until-disconnect"));
      assert.equal((await reason)[0], "client namespace disconnect");
    } finally {
      await h.cleanup();
    }
  });
}

test("bind(engine) with hyperio's engine listening on its own, and attachApp on a user uWS App", async () => {
  const { Server } = await import("../../src/index");
  const { Server: EngineServer } = await import("../../src/engine/index");
  const { loadUws } = await import("../../src/engine/uws-loader");
  const { UwsAdapter } = await import("../../src/adapter");
  const { io: ioc } = await import("socket.io-client");

  const engine = new EngineServer({ path: "/socket.io" });
  const port = await engine.listen(0);
  const io = new Server();
  io.bind(engine);
  assert.ok(io.sockets.adapter instanceof UwsAdapter);
  const c = ioc(`http://127.0.0.1:${port}`, { transports: ["websocket"], forceNew: true, reconnection: false });
  await connected(c);
  c.disconnect();
  await io.close();

  const { uws } = loadUws();
  const app = uws.App();
  const io2 = new Server({ path: "/custom", pingInterval: 12345 });
  io2.attachApp(app);
  assert.equal((io2.engine as any).opts.pingInterval, 12345);
  let listenSocket: any;
  app.listen(0, (s) => {
    listenSocket = s;
  });
  const port2 = uws.us_socket_local_port(listenSocket);
  const c2 = ioc(`http://127.0.0.1:${port2}`, { path: "/custom", transports: ["polling"], forceNew: true, reconnection: false });
  await connected(c2);
  const { httpGet } = await import("./helpers");
  const res = await httpGet(`http://127.0.0.1:${port2}/custom/socket.io.min.js`);
  assert.equal(res.status, 200);
  c2.disconnect();
  await io2.close();
  uws.us_listen_socket_close(listenSocket);
});
