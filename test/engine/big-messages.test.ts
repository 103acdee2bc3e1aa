// The outgoing cap (`maxBufferedBytes`) catches readers that fall behind; it never refuses a
// message. One large emit reaches the official client once, on both transports and both
// backends, and the session stays open (it used to close at once with "buffer limit
// exceeded", and the reconnecting client got the same emit again, forever); a reader that
// never reads is still closed, holding about the cap plus one message; a slow reader that
// ends up reading everything is not closed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { WebSocket } from "ws";
import { MATRIX, start, connected } from "../socketio/helpers";
import { expectIdle, nextConnection, pollingHandshake, rawConnect, startNode, startUws, tick, waitUntil } from "./helpers";

const MB = 1024 * 1024;

for (const { backend, transport } of MATRIX) {
  test(`${backend}/${transport}: 4.7 MB and 20 MB emits reach the official client once, session stays open`, { timeout: 60000 }, async () => {
    const h = await start(backend, {}, transport);
    try {
      let connections = 0;
      const reasons: string[] = [];
      h.io.on("connection", (socket) => {
        connections++;
        socket.on("disconnect", (reason) => reasons.push(reason));
        // Each request gets one large message followed at once by a small one: the cap must
        // not count the large message against the ones behind it.
        socket.on("get", (size: number, binary: boolean) => {
          socket.emit("big", binary ? Buffer.alloc(size, 7) : "x".repeat(size));
          socket.emit("after", size);
        });
      });
      const client = h.client();
      await connected(client);
      const got: Array<[string, number]> = [];
      client.on("big", (data: string | Buffer | ArrayBuffer) => {
        got.push([typeof data === "string" ? "text" : "binary", typeof data === "string" ? data.length : (data as ArrayBuffer).byteLength]);
      });
      let disconnected = false;
      client.on("disconnect", () => (disconnected = true));
      for (const [size, binary] of [
        [Math.round(4.7 * 1e6), false],
        [20 * MB, false],
        [20 * MB, true],
      ] as const) {
        const after = new Promise<number>((resolve) => client.once("after", resolve));
        client.emit("get", size, binary);
        assert.equal(await after, size);
      }
      assert.deepEqual(got, [
        ["text", Math.round(4.7 * 1e6)],
        ["text", 20 * MB],
        ["binary", 20 * MB],
      ]);
      assert.equal(disconnected, false);
      assert.equal(client.connected, true);
      assert.equal(connections, 1);
      assert.deepEqual(reasons, []);
    } finally {
      await h.cleanup();
    }
  });
}

for (const { backend, transport } of MATRIX) {
  test(`${backend}/${transport}: broadcasts around a 20 MB message reach readers that drain, nobody is closed`, { timeout: 60000 }, async () => {
    const h = await start(backend, {}, transport);
    try {
      const reasons: string[] = [];
      h.io.on("connection", (socket) => {
        socket.on("disconnect", (reason) => reasons.push(reason));
        socket.on("go", async () => {
          // A direct message far over the cap, then broadcasts to every client while it is
          // still being written (on uWS these are topic publishes).
          socket.emit("big", "d".repeat(20 * MB));
          h.io.emit("n", 1);
          await new Promise((r) => setImmediate(r));
          h.io.emit("n", 2);
          h.io.emit("done");
        });
        socket.on("go2", () => {
          // A broadcast far over the cap, then a small one behind it.
          h.io.emit("big", "b".repeat(20 * MB));
          h.io.emit("n", 3);
          h.io.emit("done");
        });
      });
      const clients = [h.client(), h.client()];
      await Promise.all(clients.map((c) => connected(c)));
      const events = clients.map((c) => {
        const list: unknown[] = [];
        c.onAny((event: string, arg: unknown) => list.push(event === "big" ? ["big", (arg as string).length] : [event, arg]));
        return list;
      });
      // Two messages of 20 MB at once would be more than the cap beyond one message: each
      // round waits for the previous one to be read.
      for (const event of ["go", "go2"]) {
        const done = clients.map(
          (c) =>
            new Promise((resolve, reject) => {
              c.once("done", resolve);
              c.once("disconnect", (reason) => reject(new Error(`disconnected: ${reason}`)));
            }),
        );
        clients[0].emit(event);
        await Promise.all(done);
      }
      const d = ["done", undefined];
      assert.deepEqual(events[0], [["big", 20 * MB], ["n", 1], ["n", 2], d, ["big", 20 * MB], ["n", 3], d]);
      assert.deepEqual(events[1], [["n", 1], ["n", 2], d, ["big", 20 * MB], ["n", 3], d]);
      assert.ok(clients.every((c) => c.connected));
      assert.deepEqual(reasons, []);
    } finally {
      await h.cleanup();
    }
  });
}

/** A raw WebSocket handshake on the engine path, then a reader that never reads. */
async function neverReadingWebSocket(port: number) {
  const s = await rawConnect(port);
  s.write(
    "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  await once(s, "data");
  s.pause();
  return s;
}

const CAP = 1 * MB;
const MSG = 256 * 1024;
// ~1 s of sending at most: the reader never reads, so the cap must end it well before.
const MAX_SENDS = 400;

for (const backend of ["uws", "node"] as const) {
  const startEngine = backend === "uws" ? startUws : startNode;

  test(`${backend}/websocket: a reader that never reads is closed, holding about the cap plus one message`, { timeout: 20000 }, async () => {
    const srv = await startEngine({ maxBufferedBytes: CAP, pingInterval: 60000, pingTimeout: 60000 });
    try {
      const conn = nextConnection(srv.engine);
      const s = await neverReadingWebSocket(srv.port);
      const socket = await conn;
      const closed = once(socket, "close");
      const chunk = "w".repeat(MSG);
      let most = 0;
      for (let i = 0; i < MAX_SENDS && socket.readyState === "open"; i++) {
        socket.send(chunk);
        most = Math.max(most, socket.bufferedBytes);
        await tick(1);
        if (socket.readyState === "open") most = Math.max(most, socket.bufferedBytes);
      }
      const [reason] = await closed;
      assert.equal(reason, "buffer limit exceeded");
      // What the server held for it: the cap, plus the message being written, plus the one
      // that found it over the cap (and a WebSocket frame header each).
      assert.ok(most > CAP, `reached the cap (${most})`);
      assert.ok(most <= CAP + 2 * (MSG + 16), `held ${most} bytes, more than the cap plus one message`);
      s.destroy();
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  });

  test(`${backend}/polling: a client that never polls is closed, holding about the cap plus one message`, { timeout: 20000 }, async () => {
    const srv = await startEngine({ maxBufferedBytes: CAP, pingInterval: 60000, pingTimeout: 60000 });
    try {
      const conn = nextConnection(srv.engine);
      await pollingHandshake(srv.url);
      const socket = await conn;
      const closed = once(socket, "close");
      const chunk = "p".repeat(MSG);
      let most = 0;
      for (let i = 0; i < MAX_SENDS && socket.readyState === "open"; i++) {
        socket.send(chunk);
        if (socket.readyState === "open") most = Math.max(most, socket.bufferedBytes);
      }
      const [reason] = await closed;
      assert.equal(reason, "buffer limit exceeded");
      assert.ok(most > CAP, `reached the cap (${most})`);
      assert.ok(most <= CAP + MSG + 16, `held ${most} bytes, more than the cap plus one message`);
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  });

  test(`${backend}/polling: one message far over the cap, and more behind it, reach a client that polls late`, { timeout: 30000 }, async () => {
    const srv = await startEngine({ maxBufferedBytes: CAP, pingInterval: 60000, pingTimeout: 60000, httpCompression: false });
    try {
      const conn = nextConnection(srv.engine);
      const sid = await pollingHandshake(srv.url);
      const socket = await conn;
      let reason: string | undefined;
      socket.on("close", (r: string) => (reason = r));
      socket.send("a");
      socket.send("b".repeat(10 * MB));
      socket.send("c".repeat(CAP / 2));
      await tick(200); // the client is slow to poll
      const res = await fetch(`${srv.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
      const records = (await res.text()).split("\x1e");
      assert.deepEqual(
        records.map((r) => [r[0], r.length - 1]),
        [
          ["4", 1],
          ["4", 10 * MB],
          ["4", CAP / 2],
        ],
      );
      assert.equal(reason, undefined);
      assert.equal(socket.readyState, "open");
      socket.close(true);
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  });

  test(`${backend}/websocket: a slow reader gets one 10 MB message and what follows it, not closed`, { timeout: 30000 }, async () => {
    const srv = await startEngine({ maxBufferedBytes: CAP, pingInterval: 60000, pingTimeout: 60000 });
    try {
      const conn = nextConnection(srv.engine);
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`);
      const sizes: number[] = [];
      ws.on("message", (data: Buffer) => sizes.push(data.length));
      await once(ws, "open");
      const socket = await conn;
      await waitUntil(() => sizes.length === 1, 3000, "the open packet"); // "0{...}"
      let reason: string | undefined;
      socket.on("close", (r: string) => (reason = r));
      ws.pause(); // a reader that is slow to read
      socket.send("m".repeat(10 * MB));
      for (let i = 0; i < 20; i++) socket.send("s".repeat(16 * 1024));
      await tick(1);
      // The large message is still being written; the small ones are behind it.
      assert.ok(socket.bufferedBytes > CAP, `backlog ${socket.bufferedBytes}`);
      await tick(300);
      assert.equal(reason, undefined);
      ws.resume();
      await waitUntil(() => sizes.length === 22, 10000, "every message");
      assert.deepEqual(sizes.slice(1), [10 * MB + 1, ...new Array(20).fill(16 * 1024 + 1)]);
      assert.equal(socket.readyState, "open");
      assert.equal(reason, undefined);
      ws.close();
      await once(socket, "close");
      await expectIdle(srv.engine);
    } finally {
      await srv.close();
    }
  });
}

test("uws/websocket: closing a session while its socket drains a message over the cap delivers everything first", { timeout: 30000 }, async () => {
  const srv = await startUws({ maxBufferedBytes: CAP, pingInterval: 60000, pingTimeout: 60000 });
  try {
    const conn = nextConnection(srv.engine);
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/engine.io/?EIO=4&transport=websocket`);
    const sizes: number[] = [];
    ws.on("message", (data: Buffer) => sizes.push(data.length));
    await once(ws, "open");
    const socket = await conn;
    await waitUntil(() => sizes.length === 1, 3000, "the open packet");
    ws.pause();
    socket.send("m".repeat(10 * MB));
    for (let i = 0; i < 20; i++) socket.send("s".repeat(16 * 1024));
    await tick(1);
    assert.ok(socket.bufferedBytes > CAP, `backlog ${socket.bufferedBytes}`);
    const closed = once(socket, "close");
    socket.close();
    const wsClosed = once(ws, "close");
    ws.resume();
    const [reason] = await closed;
    assert.equal(reason, "forced close");
    await wsClosed;
    assert.deepEqual(sizes.slice(1), [10 * MB + 1, ...new Array(20).fill(16 * 1024 + 1)]);
    await expectIdle(srv.engine);
  } finally {
    await srv.close();
  }
});
