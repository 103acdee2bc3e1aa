// Third-party pieces through the options: upstream socket.io-adapter's Adapter class as
// `adapter`, socket.io-msgpack-parser as `parser`, on both backends.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Adapter as UpstreamAdapter } from "socket.io-adapter";
import * as msgpackParser from "socket.io-msgpack-parser";
import { connected, once, start, type Backend } from "./helpers";

for (const backend of ["uws", "node"] as Backend[]) {
  test(`upstream socket.io-adapter Adapter plugged via the option (${backend})`, async () => {
    const h = await start(backend, { adapter: UpstreamAdapter as any });
    try {
      assert.ok(h.io.sockets.adapter instanceof UpstreamAdapter);
      const events: string[] = [];
      h.io.sockets.adapter.on("join-room", (room: string) => events.push("join:" + room));
      const sockets: any[] = [];
      const clients = [];
      for (let i = 0; i < 3; i++) {
        const conn = once<[any]>(h.io, "connection");
        const c = h.client("/", { transports: [i === 2 ? "polling" : "websocket"] });
        await connected(c);
        sockets.push((await conn)[0]);
        clients.push(c);
      }
      sockets[0].join("r");
      sockets[1].join("r");
      assert.ok(events.includes("join:r"));
      const got: number[] = [];
      clients.forEach((c, i) => c.on("m", () => got.push(i)));
      h.io.to("r").emit("m");
      sockets[0].broadcast.emit("m");
      const end = Promise.all(clients.map((c) => once(c, "end")));
      h.io.emit("end");
      await end;
      assert.deepEqual(got.sort(), [0, 1, 1, 2]);
      // acks through upstream's broadcastWithAck
      clients.forEach((c, i) => c.on("q", (cb: (n: number) => void) => cb(i)));
      const answers = await h.io.timeout(2000).emitWithAck("q");
      assert.deepEqual([...answers].sort(), [0, 1, 2]);
      assert.deepEqual((await h.io.in("r").fetchSockets()).map((s) => s.id).sort(), [sockets[0].id, sockets[1].id].sort());
    } finally {
      await h.cleanup();
    }
  });

  test(`socket.io-msgpack-parser via the parser option (${backend})`, async () => {
    const h = await start(backend, { parser: msgpackParser });
    try {
      const conn = once<[any]>(h.io, "connection");
      const client = h.client("/", { parser: msgpackParser } as any);
      await connected(client);
      const [socket] = await conn;
      socket.on("echo", (v: unknown, cb: (v: unknown) => void) => cb(v));
      const payload = { n: 1, s: "é", arr: [1, 2], bin: Buffer.from([9, 8]) };
      const back: any = await client.timeout(2000).emitWithAck("echo", payload);
      assert.equal(back.n, 1);
      assert.equal(back.s, "é");
      assert.deepEqual([...Buffer.from(back.bin)], [9, 8]);
      // two members, so that on uWS the room broadcast goes through topic publish
      const conn2 = once<[any]>(h.io, "connection");
      const client2 = h.client("/", { parser: msgpackParser } as any);
      await connected(client2);
      const [socket2] = await conn2;
      socket.join("room");
      socket2.join("room");
      const b = Promise.all([once<[any]>(client, "b"), once<[any]>(client2, "b")]);
      h.io.to("room").emit("b", { x: Buffer.from([1]) });
      for (const [msg] of await b) assert.deepEqual([...Buffer.from(msg.x)], [1]);
    } finally {
      await h.cleanup();
    }
  });
}
