// io.metrics(): broadcasts and deliveries (every fan-out shape of the uWS adapter: publish,
// publish from the excluded socket, per-recipient writes to polling members), and Engine.IO
// packets and bytes each way, checked against what the test sent, with official
// socket.io-client peers on new Server(0) (uWS) and on node:http.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connected, once, start, type Backend, type Transport } from "../socketio/helpers";
import { until } from "../adapter/cluster";

for (const backend of ["uws", "node"] as Backend[]) {
  test(`broadcasts and deliveries are what the clients received (${backend})`, async () => {
    const h = await start(backend);
    try {
      // c0..c3 on WebSocket (uWS topic subscribers), c4 and c5 on polling
      const transports: Transport[] = ["websocket", "websocket", "websocket", "websocket", "polling", "polling"];
      const clients = transports.map((t, i) => h.client("/", { transports: [t], auth: { i } }));
      for (const c of clients) await connected(c);
      const server = (i: number) => [...h.io.of("/").sockets.values()].find((s) => s.handshake.auth.i === i)!;
      // r1 = {c0, c1, c4}, r2 = {c1, c2, c5}, r3 = {c3}
      for (const i of [0, 1, 4]) server(i).join("r1");
      for (const i of [1, 2, 5]) server(i).join("r2");
      server(3).join("r3");
      let received = 0;
      for (const c of clients) c.on("b", () => received++);

      const before = h.io.metrics();
      h.io.to("r1").emit("b"); // 3
      h.io.to(["r1", "r2"]).emit("b"); // c0 c1 c2 c4 c5 = 5
      h.io.to("r3").emit("b"); // 1
      h.io.emit("b"); // 6
      h.io.to("r1").except("r2").emit("b"); // c0 c4 = 2
      server(0).broadcast.emit("b"); // everyone but c0 = 5
      server(1).to("r2").emit("b"); // r2 but c1: c2 c5 = 2
      // a shape that repeats (the uWS adapter gives it a derived topic from its 2nd time): 5 each
      for (let k = 0; k < 3; k++) h.io.to(["r1", "r2"]).except("r3").emit("b");
      const expected = 3 + 5 + 1 + 6 + 2 + 5 + 2 + 3 * 5;
      await until(() => received === expected, `${expected} deliveries at the clients`);

      const m = h.io.metrics();
      assert.equal(m.broadcasts - before.broadcasts, 10);
      assert.equal(m.deliveries - before.deliveries, expected);
    } finally {
      await h.cleanup();
    }
  });

  for (const transport of ["websocket", "polling"] as Transport[]) {
    test(`packets and bytes in and out match the frames sent (${backend}/${transport})`, async () => {
      const h = await start(backend, {}, transport);
      try {
        const conn = once<[any]>(h.io, "connection");
        const client = h.client();
        await connected(client);
        const [socket] = await conn;
        const got = once(socket, "up");
        await until(() => h.io.metrics().packetsIn >= 1, "the CONNECT packet");

        // client -> server: 42["up","abc"] is the Engine.IO message "4" + '2["up","abc"]'
        let before = h.io.metrics();
        client.emit("up", "abc");
        await got;
        let m = h.io.metrics();
        assert.equal(m.packetsIn - before.packetsIn, 1);
        assert.equal(m.bytesIn - before.bytesIn, 1 + '2["up","abc"]'.length);

        // server -> client, three packets
        before = h.io.metrics();
        const down = once(client, "down");
        socket.emit("down", "xyz");
        socket.emit("down", "xyz");
        socket.emit("down", "xyz");
        await down;
        await until(() => h.io.metrics().packetsOut - before.packetsOut === 3, "three packets out");
        m = h.io.metrics();
        assert.equal(m.bytesOut - before.bytesOut, 3 * (1 + '2["down","xyz"]'.length));

        // a binary packet: its text part and one attachment
        before = h.io.metrics();
        const bin = once(client, "bin");
        socket.emit("bin", Buffer.from([1, 2, 3, 4]));
        await bin;
        m = h.io.metrics();
        assert.equal(m.packetsOut - before.packetsOut, 2);
        assert.equal(m.bytesOut - before.bytesOut, 1 + '51-["bin",{"_placeholder":true,"num":0}]'.length + 1 + 4);
        if (transport === "polling") assert.ok(m.bufferWaits > 0, "polling packets wait for the next GET");
      } finally {
        await h.cleanup();
      }
    });
  }
}

test("a uWS publish counts once per subscriber in packets and bytes out", async () => {
  const h = await start("uws");
  try {
    const clients = [0, 1, 2, 3].map(() => h.client());
    for (const c of clients) await connected(c);
    let received = 0;
    for (const c of clients) c.on("all", () => received++);
    const before = h.io.metrics();
    h.io.emit("all", "x");
    await until(() => received === 4, "four deliveries");
    const m = h.io.metrics();
    assert.equal(m.deliveries - before.deliveries, 4);
    assert.equal(m.packetsOut - before.packetsOut, 4);
    assert.equal(m.bytesOut - before.bytesOut, 4 * (1 + '2["all","x"]'.length));
    // non-ASCII text: a publish counts its UTF-8 bytes ("é" 2, "€" 3, "😀" 4: 9 bytes, 4 code units)
    const text = "é€😀";
    const before2 = h.io.metrics();
    h.io.emit("all", text);
    await until(() => received === 8, "four more deliveries");
    const m2 = h.io.metrics();
    assert.equal(m2.bytesOut - before2.bytesOut, 4 * (1 + Buffer.byteLength(`2["all","${text}"]`)));
    assert.equal(Buffer.byteLength(`2["all","${text}"]`) - `2["all","${text}"]`.length, 5);
  } finally {
    await h.cleanup();
  }
});
