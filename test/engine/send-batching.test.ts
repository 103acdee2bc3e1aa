// WebSocket writes are batched per session per tick (flush-queue.ts): one flush carries
// every packet sent in the tick, publishes keep their place in call order, and a close
// still goes out after what was sent before it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { WebSocket } from "ws";
import { connect, expectIdle, nextConnection, startUws, waitUntil } from "./helpers";

test("websocket: the sends of one tick go out in one flush, in order", async () => {
  const srv = await startUws();
  try {
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url, { transports: ["websocket"] });
    const socket = await conn;
    const got: unknown[] = [];
    client.on("message", (m) => got.push(m));
    const flushes: number[] = [];
    socket.on("flush", (packets: unknown[]) => flushes.push(packets.length));
    const flushed: number[] = [];
    for (let i = 0; i < 10; i++) socket.send(`m${i}`, () => flushed.push(i));
    socket.send(Buffer.from([1, 2, 3]));
    assert.deepEqual(flushes, [], "nothing written before the end of the tick");
    await waitUntil(() => got.length === 11);
    assert.deepEqual(flushes, [11]);
    assert.deepEqual(flushed, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "every send callback ran");
    assert.deepEqual(got.slice(0, 10), Array.from({ length: 10 }, (_, i) => `m${i}`));
    assert.deepEqual(Buffer.from(got[10] as ArrayBuffer), Buffer.from([1, 2, 3]));
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("websocket: a batch reaching 16 KiB is written at once", async () => {
  const srv = await startUws();
  try {
    const conn = nextConnection(srv.engine);
    const client = await connect(srv.url, { transports: ["websocket"] });
    const socket = await conn;
    const got: unknown[] = [];
    client.on("message", (m) => got.push(m));
    const flushes: number[] = [];
    socket.on("flush", (packets: unknown[]) => flushes.push(packets.length));
    socket.send("small");
    socket.send("x".repeat(16 * 1024));
    assert.deepEqual(flushes, [2], "flushed synchronously");
    socket.send("after");
    await waitUntil(() => got.length === 3);
    assert.deepEqual(flushes, [2, 1]);
    assert.equal(got[2], "after");
    client.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("websocket: direct sends and publishes of one tick arrive in call order", async () => {
  const srv = await startUws();
  try {
    const connA = nextConnection(srv.engine);
    const a = await connect(srv.url, { transports: ["websocket"] });
    const sa = await connA;
    const connB = nextConnection(srv.engine);
    const b = await connect(srv.url, { transports: ["websocket"] });
    const sb = await connB;
    sa.subscribe("t");
    sb.subscribe("t");
    const got: string[] = [];
    a.on("message", (m) => got.push(String(m).slice(0, 12)));
    // uWS sends a publish of 16 KiB or more at once and queues smaller ones: both kinds.
    const big = "B".repeat(20 * 1024);
    sa.send("direct-1");
    srv.engine.publish("t", "4publish-2", false);
    sa.send("direct-3");
    srv.engine.publish("t", "4" + big, false);
    sa.send("direct-5");
    sb.publishFromSelf("t", "4from-b-6", false);
    sa.send("direct-7");
    await waitUntil(() => got.length === 7);
    assert.deepEqual(got, ["direct-1", "publish-2", "direct-3", big.slice(0, 12), "direct-5", "from-b-6", "direct-7"]);
    a.close();
    b.close();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

for (const discard of [false, true]) {
  test(`websocket: send then close(${discard}) in one tick: the message goes out before the close`, async () => {
    const srv = await startUws();
    try {
      const conn = nextConnection(srv.engine);
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`);
      const frames: string[] = [];
      ws.on("message", (d: Buffer) => frames.push(d.toString()));
      const socket = await conn;
      await once(ws, "open");
      const closed = once(socket, "close");
      socket.send("bye");
      socket.close(discard);
      const [reason] = await closed;
      assert.equal(reason, "forced close");
      await once(ws, "close");
      assert.equal(frames[frames.length - 1], "4bye");
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  });
}

test("engine.close() right after a send still delivers it", async () => {
  const srv = await startUws();
  try {
    const conn = nextConnection(srv.engine);
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`);
    const frames: string[] = [];
    ws.on("message", (d: Buffer) => frames.push(d.toString()));
    const socket = await conn;
    await once(ws, "open");
    socket.send("last words");
    srv.engine.close();
    await once(ws, "close");
    assert.equal(frames[frames.length - 1], "4last words");
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});
