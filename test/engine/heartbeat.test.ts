import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, expectIdle, nextConnection, pollingHandshake, startUws, tick } from "./helpers";

for (const transports of [["polling"], ["websocket"]] as const) {
  test(`${transports[0]}: heartbeat keeps a live client connected`, async () => {
    // Short interval, generous timeout: a loaded machine must not turn this into a timeout test.
    const srv = await startUws({ pingInterval: 40, pingTimeout: 3000 });
    try {
      const conn = nextConnection(srv.engine);
      const client = await connect(srv.url, { transports: [...transports] });
      const socket = await conn;
      let beats = 0;
      socket.on("heartbeat", () => beats++);
      await tick(300);
      assert.ok(beats >= 2, `expected heartbeats, got ${beats}`);
      assert.equal(socket.readyState, "open");
      client.close();
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  });
}

test("polling: a client that stops answering pings is closed with 'ping timeout'", async () => {
  const srv = await startUws({ pingInterval: 50, pingTimeout: 50 });
  try {
    const conn = nextConnection(srv.engine);
    // A raw handshake that never polls again: the ping sits in the buffer unanswered.
    await pollingHandshake(srv.url);
    const socket = await conn;
    const [reason] = await once(socket, "close");
    assert.equal(reason, "ping timeout");
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("websocket: a raw client that never pongs is closed with 'ping timeout'", async () => {
  const srv = await startUws({ pingInterval: 50, pingTimeout: 50 });
  try {
    const { WebSocket } = await import("ws");
    const conn = nextConnection(srv.engine);
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`);
    const frames: string[] = [];
    ws.on("message", (d) => frames.push(d.toString()));
    const socket = await conn;
    const started = Date.now();
    const [reason] = await once(socket, "close");
    assert.equal(reason, "ping timeout");
    assert.ok(frames.includes("2"), "server sent a ping");
    assert.ok(Date.now() - started >= 90, "closed no earlier than pingInterval + pingTimeout");
    await once(ws, "close");
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});

test("a ping from the client (wrong direction) closes the session", async () => {
  const srv = await startUws();
  try {
    const { WebSocket } = await import("ws");
    const conn = nextConnection(srv.engine);
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`);
    const socket = await conn;
    await once(ws, "open");
    ws.send("2");
    const [reason] = await once(socket, "close");
    assert.equal(reason, "transport error");
    ws.terminate();
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});
