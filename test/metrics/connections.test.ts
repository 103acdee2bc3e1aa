// io.metrics(): sessions by transport, upgrades and close reasons, checked against what the
// test did with official socket.io-client peers, on new Server(0) (uWS) and on node:http.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connected, start, type Backend } from "../socketio/helpers";
import { until } from "../adapter/cluster";

for (const backend of ["uws", "node"] as Backend[]) {
  test(`connections by transport, upgrades and closes (${backend})`, async () => {
    const h = await start(backend);
    try {
      const before = h.io.metrics();
      assert.equal(before.connectionsWebsocket, 0);
      assert.equal(before.connectionsPolling, 0);

      // 3 on WebSocket, 2 on polling only, 1 that starts on polling and upgrades
      const ws = [0, 1, 2].map(() => h.client("/", { transports: ["websocket"] }));
      const polling = [0, 1].map(() => h.client("/", { transports: ["polling"] }));
      const upgrading = h.client("/", { transports: ["polling", "websocket"], upgrade: true });
      for (const c of [...ws, ...polling, upgrading]) await connected(c);
      await until(() => h.io.metrics().upgrades === 1, "the upgrade");

      const m = h.io.metrics();
      assert.equal(m.connectionsOpenedWebsocket, 3);
      assert.equal(m.connectionsOpenedPolling, 3);
      assert.equal(m.upgrades, 1);
      assert.equal(m.connectionsWebsocket, 4);
      assert.equal(m.connectionsPolling, 2);
      assert.equal(h.io.engine.clientsCount, 6);

      // the server closes one (forced close), the clients close the others (transport close)
      const [first] = [...h.io.of("/").sockets.values()];
      first.disconnect(true);
      await until(() => h.io.metrics().closedForcedClose + h.io.metrics().closedForcedServerClose === 1, "the server's close");
      for (const c of [...ws, ...polling, upgrading]) c.disconnect();
      await until(() => h.io.engine.clientsCount === 0, "every session to close");

      const end = h.io.metrics();
      assert.equal(end.connectionsWebsocket, 0);
      assert.equal(end.connectionsPolling, 0);
      assert.equal(end.closedTransportClose, 5);
      assert.equal(end.closedForcedClose + end.closedForcedServerClose, 1);
      assert.equal(end.closedPingTimeout + end.closedParseError + end.closedTransportError + end.closedBufferLimitExceeded, 0);
      // opened counts are cumulative
      assert.equal(end.connectionsOpenedWebsocket, 3);
      assert.equal(end.connectionsOpenedPolling, 3);
    } finally {
      await h.cleanup();
    }
  });
}

test("io.metrics() is a new plain object of numbers on every read; engine.metrics() has the engine part", async () => {
  const h = await start("uws");
  try {
    const a = h.io.metrics();
    const b = h.io.metrics();
    assert.notEqual(a, b);
    assert.equal(Object.getPrototypeOf(a), Object.prototype);
    for (const [k, v] of Object.entries(a)) assert.equal(typeof v, "number", k);
    const e = h.io.engine.metrics();
    assert.equal("broadcasts" in e, false);
    assert.deepEqual(
      Object.keys(a).filter((k) => !["broadcasts", "deliveries", "recoveryHits", "recoveryMisses"].includes(k)).sort(),
      Object.keys(e).sort(),
    );
  } finally {
    await h.cleanup();
  }
});

test("event-loop delay: zero on the first read (which starts the monitor), then a window all readers share, and since start", async () => {
  const h = await start("uws");
  try {
    const first = h.io.metrics();
    assert.equal(first.eventLoopDelayMaxMs, 0);
    // let the monitor take its first samples (it measures between firings of its timer)
    await new Promise((r) => setTimeout(r, 100));
    // block the loop for 100 ms: the monitor sees a delay at least that long
    const until100 = Date.now() + 100;
    while (Date.now() < until100);
    await new Promise((r) => setTimeout(r, 50));
    const second = h.io.metrics();
    assert.ok(second.eventLoopDelayMaxMs >= 50, JSON.stringify(second));
    assert.ok(second.eventLoopDelayP99Ms <= second.eventLoopDelayMaxMs);
    assert.ok(second.eventLoopDelayMaxMsSinceStart >= second.eventLoopDelayMaxMs, JSON.stringify(second));
    assert.ok(second.eventLoopDelayMeanMsSinceStart > 0, JSON.stringify(second));
    // another reader (the engine, a Prometheus scrape) right after: the same window, not reset
    // by the read before it
    const other = h.io.engine.metrics();
    assert.ok(other.eventLoopDelayMaxMs >= 50, JSON.stringify(other));
    const third = h.io.metrics();
    assert.ok(third.eventLoopDelayMaxMs >= 50, JSON.stringify(third));
    assert.ok(third.eventLoopDelayMaxMsSinceStart >= 50, JSON.stringify(third));
  } finally {
    await h.cleanup();
  }
});

test("io.bind(engine.io 6): the engine fields read 0, the Socket.IO-level ones count", async () => {
  const { createServer, globalAgent } = await import("node:http");
  const { Server: EngineIoServer } = await import("engine.io");
  const { io: ioc } = await import("socket.io-client");
  const { Server } = await import("../../src/index");
  const httpServer = createServer((_req, res) => res.writeHead(404).end());
  const engine = new EngineIoServer();
  engine.attach(httpServer, { path: "/socket.io" });
  const io = new Server({ serveClient: false });
  io.bind(engine as any);
  await new Promise<void>((r) => httpServer.listen(0, "127.0.0.1", r));
  const port = (httpServer.address() as { port: number }).port;
  const clients = [0, 1].map(() => ioc(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, transports: ["websocket"] }));
  try {
    for (const c of clients) await connected(c);
    let received = 0;
    for (const c of clients) c.on("b", () => received++);
    io.emit("b");
    await until(() => received === 2, "two deliveries");
    const m = io.metrics();
    assert.equal(m.broadcasts, 1);
    assert.equal(m.deliveries, 2);
    assert.equal(m.connectionsWebsocket, 0);
    assert.equal(m.packetsIn, 0);
  } finally {
    for (const c of clients) c.disconnect();
    await io.close();
    await new Promise((r) => httpServer.close(r));
    globalAgent.destroy();
  }
});
