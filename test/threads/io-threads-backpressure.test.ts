// The outgoing cap (`maxBufferedBytes`) with `ioThreads: 2`: the sockets are written by the I/O
// threads, yet a reader that stops reading is closed with "buffer limit exceeded" holding
// about the cap plus one message (direct emits and broadcasts alike), and a reader that keeps
// reading gets a message far over the cap and the broadcasts around it, as on one thread.
import { test } from "node:test";
import assert from "node:assert/strict";
import { io as ioc, type Socket as ClientSocket } from "socket.io-client";
import { Server } from "../../src/index";
import type { ThreadedBackend } from "../../src/engine/threaded-backend";
import { connected } from "../socketio/helpers";
import { until } from "../adapter/cluster";

const MB = 1024 * 1024;
const CAP = 1 * MB;
const MSG = 256 * 1024;
// The reader never reads, so the cap must end the sending long before this many messages
// (1 GB): on a loaded machine the thread's close can come a second or more after the cap is
// crossed, which 400 sends (~1 s) did not always cover. What the server held meanwhile is
// checked against the cap below, send by send.
const MAX_SENDS = 4000;

interface Started {
  io: Server;
  threads: ThreadedBackend;
  clients: ClientSocket[];
  client(): ClientSocket;
  close(): Promise<void>;
}

function start(opts: Record<string, unknown> = {}): Started {
  const io = new Server(0, { ioThreads: 2, ...opts });
  const threads = (io.engine as unknown as { ioThreads: ThreadedBackend }).ioThreads;
  const clients: ClientSocket[] = [];
  return {
    io,
    threads,
    clients,
    client() {
      const c = ioc(`http://127.0.0.1:${io.port}`, { forceNew: true, reconnection: false, transports: ["websocket"] });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.disconnect();
      await new Promise<void>((r) => io.close(() => r()));
    },
  };
}

/** Stops reading the client's WebSocket (the `ws` socket under engine.io-client). */
function stopReading(c: ClientSocket): void {
  (c.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket.pause();
}

const tick = () => new Promise((r) => setTimeout(r, 1));

for (const how of ["direct emits", "broadcasts"] as const) {
  test(`a client that stops reading is closed with "buffer limit exceeded" (${how}), holding about the cap plus one message`, { timeout: 30000 }, async () => {
    const h = start({ maxBufferedBytes: CAP, pingInterval: 60000, pingTimeout: 60000 });
    try {
      const reader = h.client();
      await connected(reader);
      const socket = [...h.io.of("/").sockets.values()][0];
      const reason = new Promise<string>((r) => socket.on("disconnect", r));
      stopReading(reader);
      const chunk = "w".repeat(MSG);
      let most = 0;
      let sends = 0;
      for (; sends < MAX_SENDS && socket.connected; sends++) {
        if (how === "direct emits") socket.emit("m", chunk);
        else h.io.emit("m", chunk);
        most = Math.max(most, socket.conn.bufferedBytes);
        await tick();
        if (socket.connected) most = Math.max(most, socket.conn.bufferedBytes);
      }
      assert.equal(await reason, "buffer limit exceeded");
      assert.ok(sends < MAX_SENDS, "closed before the sender gave up");
      // What the server held for it (the I/O thread's figure): the cap, the message being
      // written, the one that found it over the cap, and frame headers.
      assert.ok(most <= CAP + 2 * (MSG + 16) + MSG, `held ${most} bytes, more than the cap plus one message`);
      await until(() => h.io.engine.clientsCount === 0, "the session gone");
    } finally {
      await h.close();
    }
  });
}

test("broadcasts around a 20 MB message reach readers that drain, nobody is closed", { timeout: 60000 }, async () => {
  const h = start();
  try {
    const reasons: string[] = [];
    h.io.on("connection", (socket) => {
      socket.on("disconnect", (reason) => reasons.push(reason));
      socket.on("go", async () => {
        // A direct message far over the cap, then broadcasts while it is still being written:
        // the broadcasts must not reach it as publishes uWS would drop (and close it for).
        socket.emit("big", "d".repeat(20 * MB));
        h.io.emit("n", 1);
        await new Promise((r) => setImmediate(r));
        h.io.emit("n", 2);
        h.io.emit("done");
      });
    });
    const clients = [h.client(), h.client(), h.client(), h.client()];
    await Promise.all(clients.map((c) => connected(c)));
    const events = clients.map((c) => {
      const list: unknown[] = [];
      c.onAny((event: string, arg: unknown) => list.push(event === "big" ? ["big", (arg as string).length] : [event, arg]));
      return list;
    });
    for (const sender of [0, 1, 2, 3]) {
      for (const list of events) list.length = 0;
      const done = clients.map(
        (c) =>
          new Promise((resolve, reject) => {
            c.once("done", resolve);
            c.once("disconnect", (reason) => reject(new Error(`disconnected: ${reason}`)));
          }),
      );
      clients[sender].emit("go");
      await Promise.all(done);
      const d = ["done", undefined];
      events.forEach((list, i) => assert.deepEqual(list, [...(i === sender ? [["big", 20 * MB]] : []), ["n", 1], ["n", 2], d]));
    }
    assert.ok(clients.every((c) => c.connected));
    assert.deepEqual(reasons, []);
  } finally {
    await h.close();
  }
});
