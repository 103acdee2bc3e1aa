import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { expectIdle, nextConnection, pollingHandshake, rawConnect, startUws, tick, waitUntil } from "./helpers";

async function rawWebSocket(port: number) {
  const s = await rawConnect(port);
  s.write(
    "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  await once(s, "data"); // the 101 (and maybe the open packet)
  s.pause(); // from now on: a reader that never reads
  return s;
}

test("websocket slow reader: not writable under backpressure, closed past maxBufferedBytes", async () => {
  const srv = await startUws({ maxBufferedBytes: 256 * 1024, pingInterval: 10000 });
  try {
    const conn = nextConnection(srv.engine);
    const s = await rawWebSocket(srv.port);
    const socket = await conn;
    const closed = once(socket, "close");
    const chunk = "x".repeat(64 * 1024);
    let sawNotWritable = false;
    for (let i = 0; i < 2000 && socket.readyState === "open"; i++) {
      socket.send(chunk);
      if (socket.readyState === "open" && !socket.transport.writable) sawNotWritable = true;
      if (i % 50 === 0) await tick(1);
    }
    const [reason] = await closed;
    assert.equal(reason, "buffer limit exceeded");
    assert.ok(sawNotWritable, "transport reported backpressure before the cap");
    s.destroy();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("websocket backpressure clears on drain", async () => {
  const srv = await startUws({ maxBufferedBytes: 64 * 1024 * 1024, pingInterval: 10000 });
  try {
    const conn = nextConnection(srv.engine);
    const s = await rawWebSocket(srv.port);
    const socket = await conn;
    const chunk = "y".repeat(64 * 1024);
    // `writable` is also false while a write is queued for the end of the tick (upstream's
    // meaning: a write in flight), so look at it only once the tick's writes went out.
    for (let i = 0; i < 1000; i++) {
      socket.send(chunk);
      if (i % 50 === 49) {
        await tick(1);
        if (!socket.transport.writable) break;
      }
    }
    assert.equal(socket.transport.writable, false);
    assert.ok(socket.transport.bufferedAmount() > 0, "under backpressure");
    const drained = once(socket, "drain");
    s.on("data", () => {});
    s.resume();
    await drained;
    await waitUntil(() => socket.transport.writable);
    assert.equal(socket.readyState, "open");
    socket.close(true);
    s.destroy();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("polling slow reader (never polls): closed past maxBufferedBytes", async () => {
  const srv = await startUws({ maxBufferedBytes: 100 * 1024, pingInterval: 10000 });
  try {
    const conn = nextConnection(srv.engine);
    await pollingHandshake(srv.url);
    const socket = await conn;
    const closed = once(socket, "close");
    for (let i = 0; i < 100 && socket.readyState === "open"; i++) socket.send("z".repeat(10 * 1024));
    const [reason] = await closed;
    assert.equal(reason, "buffer limit exceeded");
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

// The ping would also find the socket over budget: keep it far away, so only the publish
// path can close the session within the test's timeout.
const NO_PING = { pingInterval: 60000, pingTimeout: 60000 };

for (const [label, size] of [
  ["large messages (uWS sends them at once)", 64 * 1024],
  ["small messages (uWS queues them to the end of the loop iteration)", 1024],
] as const) {
  test(`publish-only slow reader, ${label}: closed promptly with "buffer limit exceeded"`, { timeout: 10000 }, async () => {
    const srv = await startUws({ maxBufferedBytes: 256 * 1024, ...NO_PING });
    try {
      const conn = nextConnection(srv.engine);
      const s = await rawWebSocket(srv.port);
      const socket = await conn;
      socket.subscribe("feed");
      const closed = once(socket, "close");
      const chunk = "4" + "p".repeat(size);
      // Never sends directly to the session: only publishes reach it.
      for (let i = 0; socket.readyState === "open"; i++) {
        srv.engine.publish("feed", chunk, false);
        if (i % 50 === 0) await tick(1);
      }
      const [reason] = await closed;
      assert.equal(reason, "buffer limit exceeded");
      s.destroy();
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  });
}

test("publish subscriber under budget that vanishes: transport close, not buffer limit", async () => {
  const srv = await startUws({ maxBufferedBytes: 256 * 1024, ...NO_PING });
  try {
    const conn = nextConnection(srv.engine);
    const s = await rawWebSocket(srv.port);
    const socket = await conn;
    socket.subscribe("feed");
    socket.subscribe("other");
    socket.unsubscribe("other");
    srv.engine.publish("feed", "4hello", false);
    await tick(5);
    const closed = once(socket, "close");
    s.resetAndDestroy();
    const [reason] = await closed;
    assert.equal(reason, "transport close");
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("unsubscribing over budget then catching up: a later close is a transport close", { timeout: 10000 }, async () => {
  const srv = await startUws({ maxBufferedBytes: 256 * 1024, ...NO_PING });
  try {
    const conn = nextConnection(srv.engine);
    const s = await rawWebSocket(srv.port);
    const socket = await conn;
    socket.subscribe("feed");
    // Back the socket up just past its budget (a drop needs one more message after that),
    // then leave the topic while it is over: the session has no topic left at its close.
    const chunk = "4" + "q".repeat(64 * 1024);
    for (let i = 0; socket.transport.bufferedAmount() <= 256 * 1024; i++) {
      srv.engine.publish("feed", chunk, false);
      if (i % 20 === 0) await tick(1);
    }
    socket.unsubscribe("feed");
    assert.equal(socket.readyState, "open");
    s.on("data", () => {});
    s.resume();
    await waitUntil(() => socket.transport.bufferedAmount() === 0);
    const closed = once(socket, "close");
    s.resetAndDestroy();
    const [reason] = await closed;
    assert.equal(reason, "transport close");
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});
