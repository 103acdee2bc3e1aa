// Server-level API: fetchSockets / socketsJoin / socketsLeave / disconnectSockets,
// RemoteSocket, allSockets, chainable settings, option validation, connectTimeout, close().
import { test } from "node:test";
import assert from "node:assert/strict";
import { connected, once, sleep, start } from "./helpers";
import { RemoteSocket, Server } from "../../src/index";

for (const backend of ["uws", "node"] as const) {
  test(`fetchSockets, socketsJoin, socketsLeave, disconnectSockets (${backend})`, async () => {
    const h = await start(backend);
    try {
      const sockets: any[] = [];
      const clients = [];
      for (let i = 0; i < 3; i++) {
        const conn = once<[any]>(h.io, "connection");
        const c = h.client("/", { transports: [i === 1 ? "polling" : "websocket"] });
        await connected(c);
        const [s] = await conn;
        s.data = { n: i };
        sockets.push(s);
        clients.push(c);
      }
      sockets[0].join("red");
      sockets[1].join(["red", "blue"]);
      const red = await h.io.in("red").fetchSockets();
      assert.deepEqual(red.map((s) => s.id).sort(), [sockets[0].id, sockets[1].id].sort());
      assert.deepEqual(red.map((s) => (s.data as any).n).sort(), [0, 1]);
      const notBlue = await h.io.except("blue").fetchSockets();
      assert.deepEqual(notBlue.map((s) => s.id).sort(), [sockets[0].id, sockets[2].id].sort());
      assert.deepEqual([...(await h.io.allSockets())].sort(), sockets.map((s) => s.id).sort());

      h.io.in("red").socketsJoin("green");
      assert.ok(sockets[0].rooms.has("green") && sockets[1].rooms.has("green") && !sockets[2].rooms.has("green"));
      // a room joined via socketsJoin receives broadcasts (topics subscribed on uWS)
      const got = Promise.all([once(clients[0], "g"), once(clients[1], "g")]);
      h.io.to("green").emit("g");
      await got;
      h.io.socketsLeave("green");
      assert.ok(!sockets[0].rooms.has("green"));

      // RemoteSocket wraps details of another server's socket; the local API behaves alike
      const details = { id: sockets[2].id, handshake: sockets[2].handshake, rooms: [...sockets[2].rooms], data: sockets[2].data };
      const remote = new RemoteSocket(h.io.sockets.adapter, details);
      const hello = once<[string]>(clients[2], "hello");
      remote.emit("hello", "remote");
      assert.deepEqual(await hello, ["remote"]);
      clients[2].on("ask", (cb: (v: number) => void) => cb(42));
      const reply = await new Promise<unknown[]>((resolve) => remote.timeout(2000).emit("ask", (...a: unknown[]) => resolve(a)));
      assert.deepEqual(reply, [null, 42]);
      remote.join("purple");
      assert.ok(sockets[2].rooms.has("purple"));
      remote.leave("purple");
      assert.ok(!sockets[2].rooms.has("purple"));

      const d0 = once<[string]>(clients[0], "disconnect");
      const d1 = once<[string]>(clients[1], "disconnect");
      h.io.in("red").disconnectSockets();
      assert.equal((await d0)[0], "io server disconnect");
      assert.equal((await d1)[0], "io server disconnect");
      assert.equal(h.io.sockets.sockets.size, 1);
      const d2 = once<[string]>(sockets[2], "disconnect");
      h.io.disconnectSockets(true);
      assert.equal((await d2)[0], "server namespace disconnect");
    } finally {
      await h.cleanup();
    }
  });
}

test("chainable settings and option validation", () => {
  const io = new Server({ serveClient: false });
  try {
    assert.equal(io.path(), "/socket.io");
    assert.equal(io.path("/ws/"), io);
    assert.equal(io.path(), "/ws");
    assert.equal(io.serveClient(), false);
    assert.equal(io.serveClient(true).serveClient(), true);
    assert.equal(io.connectTimeout(), 45000);
    assert.equal(io.connectTimeout(1000).connectTimeout(), 1000);
    assert.throws(() => new Server({ connectTimeout: -1 }), /connectTimeout/);
    assert.throws(() => new Server({ path: "nope" }), /path/);
    assert.throws(() => new Server({ serveClient: "yes" as any }), /serveClient/);
    assert.throws(() => new Server({ adapter: 3 as any }), /adapter/);
    assert.throws(() => new Server({ parser: {} }), /parser/);
    assert.throws(() => new Server({ connectionStateRecovery: { maxDisconnectionDuration: -5 } }), /maxDisconnectionDuration/);
    assert.throws(() => new Server({ connectionStateRecovery: { skipMiddlewares: 1 as any } }), /skipMiddlewares/);
    assert.throws(() => new Server({ connectionStateRecovery: { maxStoredPackets: 0 } }), /maxStoredPackets/);
    assert.throws(() => new Server({ connectionStateRecovery: { maxStoredPackets: 1.5 } }), /maxStoredPackets/);
    assert.throws(() => new Server({ cleanupEmptyChildNamespaces: "no" as any }), /cleanupEmptyChildNamespaces/);
    assert.throws(() => io.attach((() => {}) as any), /request handler function/);
    assert.throws(() => io.of(/x/g), /stateful/);
    assert.throws(() => io.listen(70000), /port/);
  } finally {
    void io.close();
  }
});

test("new Server(port) listens through uWS; close() stops listening", async () => {
  const probe = new Server();
  probe.listen(0);
  const port = probe.port!;
  await probe.close();
  const io = new Server(port);
  try {
    assert.equal(io.port, port);
    // io.httpServer stands for the uWS listen socket (http-server-facade.test.ts)
    assert.equal((io.httpServer?.address() as { port?: number } | null)?.port, port);
    const { io: ioc } = await import("socket.io-client");
    const c = ioc(`http://127.0.0.1:${port}`, { transports: ["websocket"], forceNew: true, reconnection: false });
    await connected(c);
    const d = once<[string]>(c, "disconnect");
    const errors: unknown[] = [];
    await io.close((err) => errors.push(err));
    assert.equal((await d)[0], "transport close");
    c.disconnect();
    // closing again: resolves, and the callback reports what upstream's http.Server does
    await io.close((err) => errors.push((err as any)?.code));
    assert.deepEqual(errors, [undefined, "ERR_SERVER_NOT_RUNNING"]);
  } finally {
    await io.close();
  }
});

test("close() gives sockets 'server shutting down'", async () => {
  const h = await start("node");
  const conn = once<[any]>(h.io, "connection");
  const c = h.client();
  await connected(c);
  const [socket] = await conn;
  const reason = once<[string]>(socket, "disconnect");
  let cbCalled = false;
  await h.io.close(() => (cbCalled = true));
  assert.equal((await reason)[0], "server shutting down");
  assert.equal(cbCalled, true);
  c.disconnect();
});

test("connectTimeout closes a session that joins no namespace", async () => {
  const h = await start("uws", { connectTimeout: 100 });
  try {
    const { Socket: EioSocket } = await import("engine.io-client");
    const eio = new EioSocket(`ws://127.0.0.1:${h.port}`, { transports: ["websocket"], path: "/socket.io/" });
    await once(eio, "open");
    const [reason] = await once<[string]>(eio, "close", 3000);
    assert.equal(reason, "transport close");
    assert.equal(h.io.engine.clientsCount, 0);
  } finally {
    await h.cleanup();
  }
});

test("serverSideEmit without a cluster adapter warns, and its ack stays pending as in socket.io", async () => {
  const { Server: UpstreamServer } = await import("socket.io");
  const warn = console.warn;
  const observed: Record<string, unknown> = {};
  for (const [name, io] of [["upstream", new UpstreamServer()], ["hyperio", new Server()]] as const) {
    const warnings: unknown[] = [];
    console.warn = (...a: unknown[]) => warnings.push(a);
    try {
      const returned = (io as any).serverSideEmit("hello", 1);
      let settled = "pending";
      (io as any).serverSideEmitWithAck("count").then(
        (v: unknown) => (settled = `resolved ${JSON.stringify(v)}`),
        (e: Error) => (settled = `rejected ${e.message}`),
      );
      let called = false;
      (io as any).serverSideEmit("count", () => (called = true));
      await sleep(50);
      observed[name] = { returned, warnings: warnings.length, settled, called };
    } finally {
      console.warn = warn;
      // (upstream's close() throws on a server never attached: it has no engine to close)
      await (io as any).close().catch(() => {});
    }
  }
  assert.deepEqual(observed.hyperio, observed.upstream);
  assert.deepEqual(observed.hyperio, { returned: true, warnings: 3, settled: "pending", called: false });
});

test("adapter room events: create-room, join-room, leave-room, delete-room", async () => {
  const h = await start("uws");
  try {
    const events: string[] = [];
    const adapter = h.io.sockets.adapter;
    for (const ev of ["create-room", "delete-room", "join-room", "leave-room"]) {
      adapter.on(ev, (room: string, id?: string) => events.push(`${ev}:${room}${id ? ":" + (id === sid ? "me" : id) : ""}`));
    }
    let sid = "";
    const conn = once<[any]>(h.io, "connection");
    const c = h.client();
    await connected(c);
    const [socket] = await conn;
    sid = socket.id;
    events.length = 0;
    socket.join("r");
    socket.join("r");
    socket.leave("r");
    socket.leave("never-joined");
    assert.deepEqual(events, ["create-room:r", "join-room:r:me", "leave-room:r:me", "delete-room:r"]);
  } finally {
    await h.cleanup();
  }
});
