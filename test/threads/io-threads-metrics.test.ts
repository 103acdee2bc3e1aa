// Metrics with `ioThreads: 2`: publishes run on the I/O threads, yet io.metrics() counts what
// they reached (deliveries, packets out) exactly as on one thread, checked against what the
// official clients received; and `metrics: { path }` is served on the threads' port.
import { test } from "node:test";
import assert from "node:assert/strict";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { Server } from "../../src/index";
import type { ThreadedBackend } from "../../src/engine/threaded-backend";
import { connected, httpGet } from "../socketio/helpers";
import { until } from "../adapter/cluster";

test("deliveries and packets out are what the clients received, sockets on both threads and on polling", async () => {
  const io = new Server(0, { ioThreads: 2, metrics: { path: "/metrics" } });
  const threads = (io.engine as unknown as { ioThreads: ThreadedBackend }).ioThreads;
  const upgradeThreads: number[] = [];
  threads.onThreadRequest = (thread, _req, kind) => {
    if (kind === "upgrade") upgradeThreads.push(thread);
  };
  const clients: ClientSocket[] = [];
  const client = (transport: string): ClientSocket => {
    const c = ioc(`http://127.0.0.1:${io.port}`, { forceNew: true, reconnection: false, transports: [transport], auth: { i: clients.length } });
    clients.push(c);
    return c;
  };
  try {
    // WebSocket clients one at a time until both threads hold some (at least 4), then 2 on polling.
    while (clients.length < 4 || (new Set(upgradeThreads).size < 2 && clients.length < 40)) await connected(client("websocket"));
    assert.equal(new Set(upgradeThreads).size, 2, "WebSocket clients on both threads");
    const pollers = [client("polling"), client("polling")];
    for (const c of pollers) await connected(c);
    const n = clients.length;
    // Rooms by index: r1 = even, r2 = multiples of 3, r3 = the last WebSocket client.
    const rooms = (i: number): string[] => [...(i % 2 === 0 ? ["r1"] : []), ...(i % 3 === 0 ? ["r2"] : []), ...(i === n - 3 ? ["r3"] : [])];
    const server = (i: number) => [...io.of("/").sockets.values()].find((s) => s.handshake.auth.i === i)!;
    for (let i = 0; i < n; i++) server(i).join(rooms(i));
    let received = 0;
    for (const c of clients) c.on("b", () => received++);
    const count = (pred: (r: string[], i: number) => boolean): number =>
      Array.from({ length: n }, (_, i) => i).filter((i) => pred(rooms(i), i)).length;
    const inAny = (want: string[]) => (r: string[]) => want.some((x) => r.includes(x));

    const before = io.metrics();
    io.to("r1").emit("b");
    io.to(["r1", "r2"]).emit("b");
    io.to("r3").emit("b");
    io.emit("b");
    io.to("r1").except("r2").emit("b");
    server(0).broadcast.emit("b");
    server(0).to("r2").emit("b");
    for (let k = 0; k < 3; k++) io.to(["r1", "r2"]).except("r3").emit("b");
    const expected =
      count(inAny(["r1"])) +
      count(inAny(["r1", "r2"])) +
      count(inAny(["r3"])) +
      n +
      count((r) => r.includes("r1") && !r.includes("r2")) +
      (n - 1) +
      count((r, i) => r.includes("r2") && i !== 0) +
      3 * count((r) => inAny(["r1", "r2"])(r) && !r.includes("r3"));
    await until(() => received === expected, `${expected} deliveries at the clients`);
    const m = io.metrics();
    assert.equal(m.broadcasts - before.broadcasts, 10);
    assert.equal(m.deliveries - before.deliveries, expected);
    assert.equal(m.packetsOut - before.packetsOut, expected);

    // The exporter on the threads' port reads the same counters.
    const res = await httpGet(`http://127.0.0.1:${io.port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
    const text = res.body.toString();
    const sample = (name: string): number => {
      const line = text.split("\n").find((l) => l.startsWith(name + " "));
      assert.ok(line, `${name} in the exposition`);
      return Number(line.slice(name.length + 1));
    };
    assert.equal(sample("hyperio_deliveries_total"), io.metrics().deliveries);
    assert.equal(sample('hyperio_connections{transport="websocket"}'), n - 2);
    assert.equal(sample('hyperio_connections{transport="polling"}'), 2);
    // Other paths still get the Socket.IO server's 404.
    assert.equal((await httpGet(`http://127.0.0.1:${io.port}/metrics/other`)).status, 404);
  } finally {
    for (const c of clients) c.disconnect();
    await new Promise<void>((r) => io.close(() => r()));
  }
});

test("subscribers of sockets that close, or whose thread dies, are no longer counted", async () => {
  const io = new Server(0, { ioThreads: 2 });
  const threads = (io.engine as unknown as { ioThreads: ThreadedBackend }).ioThreads;
  const onThread: number[] = [];
  threads.onThreadRequest = (thread, _req, kind) => {
    if (kind === "upgrade") onThread.push(thread);
  };
  const clients: ClientSocket[] = [];
  try {
    io.on("connection", (s) => s.join("room"));
    while (clients.length < 4 || (new Set(onThread).size < 2 && clients.length < 40)) {
      const c = ioc(`http://127.0.0.1:${io.port}`, { forceNew: true, reconnection: false, transports: ["websocket"] });
      clients.push(c);
      await connected(c);
    }
    const roomTopic = [...[...io.engine.clients.values()][0].topics].find((t) => t.endsWith("room"));
    assert.ok(roomTopic, "the room is a topic");
    await until(() => threads.subscriberCount(roomTopic) === clients.length, "every client subscribed");
    clients[0].disconnect();
    await until(() => threads.subscriberCount(roomTopic) === clients.length - 1, "a closed socket not counted");
    const onDead = onThread.slice(1).filter((t) => t === 0).length;
    threads.killThread(0, 2);
    await until(() => threads.threadCount === 1, "the thread to exit");
    assert.equal(threads.subscriberCount(roomTopic), clients.length - 1 - onDead);
  } finally {
    for (const c of clients) c.disconnect();
    await new Promise<void>((r) => io.close(() => r()));
  }
});
