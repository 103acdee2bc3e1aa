// The Socket.IO layer reads hyperio's engine session directly (no "message" / "close"
// listeners), while listeners users add on `socket.conn` still get every event.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connected, once, start } from "./helpers";

for (const transport of ["websocket", "polling"] as const) {
  test(`socket.conn holds no internal listener, user listeners still fire (uws/${transport})`, async () => {
    const h = await start("uws", {}, transport);
    try {
      const serverSide = once<[any]>(h.io, "connection");
      const client = h.client();
      await connected(client);
      const [socket] = await serverSide;
      assert.equal(socket.conn.listenerCount("message"), 0);
      assert.equal(socket.conn.listenerCount("close"), 0);
      // the client's decoder is read directly too, and a user listener on it still fires
      const decoder = (socket.client as unknown as { decoder: import("node:events").EventEmitter }).decoder;
      assert.equal(decoder.listenerCount("decoded"), 0);
      const decoded: unknown[] = [];
      decoder.on("decoded", (p: unknown) => decoded.push(p));
      // errors without a listener are reported, not thrown, and add no listener
      assert.deepEqual(socket.listeners("error"), []);

      const packets: string[] = [];
      socket.conn.on("packet", (p: { type: string }) => packets.push(p.type));
      socket.conn.on("packetCreate", (p: { type: string }) => packets.push(`out:${p.type}`));
      const acked = new Promise<unknown>((resolve) => client.emit("ping", 1, resolve));
      socket.on("ping", (n: number, ack: (v: number) => void) => ack(n + 1));
      assert.equal(await acked, 2);
      assert.ok(packets.includes("message") && packets.includes("out:message"), packets.join(","));
      // (the packet object is the one the socket then hands to its handler, ack appended)
      assert.deepEqual(
        decoded.map((p) => {
          const { type, nsp, id, data } = p as { type: number; nsp: string; id: number; data: unknown[] };
          return { type, nsp, id, data: data.slice(0, 2) };
        }),
        [{ type: 2, nsp: "/", id: 0, data: ["ping", 1] }],
      );

      const closed = once<[string]>(socket.conn, "close");
      const disconnected = once<[string]>(socket, "disconnect");
      client.disconnect();
      assert.equal((await disconnected)[0], "client namespace disconnect");
      socket.conn.close();
      assert.equal((await closed)[0], "forced close");
    } finally {
      await h.cleanup();
    }
  });
}

test("a connection middleware leaves no listener on socket.conn once the socket is connected", async () => {
  const h = await start("uws");
  try {
    h.io.use((_socket, next) => setTimeout(next, 5));
    const serverSide = once<[any]>(h.io, "connection");
    const client = h.client();
    await connected(client);
    const [socket] = await serverSide;
    assert.equal(socket.conn.listenerCount("close"), 0);
    assert.equal(typeof socket.handshake.time, "string");
  } finally {
    await h.cleanup();
  }
});

test("the handshake is the same object on every read and keeps the connection time", async () => {
  const h = await start("uws");
  try {
    const serverSide = once<[any]>(h.io, "connection");
    const before = Date.now();
    const client = h.client("/", { auth: { token: "t" } });
    await connected(client);
    const [socket] = await serverSide;
    const hs = socket.handshake;
    assert.equal(socket.handshake, hs);
    assert.deepEqual(hs.auth, { token: "t" });
    assert.ok(hs.issued >= before - 1000 && hs.issued <= Date.now());
    assert.equal(hs.time, new Date(hs.issued).toString());
  } finally {
    await h.cleanup();
  }
});
