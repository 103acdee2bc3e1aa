// Rooms and broadcasts: each recipient gets each broadcast exactly once, non-recipients
// never, for every combination of to / except / several rooms / socket.broadcast, with
// WebSocket and polling clients mixed in the same rooms (on uWS the two are reached by
// different paths: topic publish vs. individual writes).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ClientSocket } from "socket.io-client";
import { connected, once, start, type Backend, type Transport } from "./helpers";

// rooms of each client, by index
const MEMBERSHIP: string[][] = [
  ["a"],
  ["a", "b"],
  ["b"],
  ["a", "b", "c"],
  [],
  ["c"],
  ["a"],
  ["a", "c"],
  ["a"],
  ["a", "b", "d"],
  ["a"],
  ["a", "d"],
];

interface Scenario {
  name: string;
  to: string[];
  except: string[];
  /** index of the client whose server socket emits with socket.broadcast / socket.to */
  from?: number;
  /** clients excluded through their own-id room */
  exceptIds?: number[];
}

const SCENARIOS: Scenario[] = [
  { name: "io.emit", to: [], except: [] },
  { name: "to(a)", to: ["a"], except: [] },
  { name: "to(c)", to: ["c"], except: [] },
  { name: "to(a,b)", to: ["a", "b"], except: [] },
  { name: "to(b,c)", to: ["b", "c"], except: [] },
  { name: "to(a).except(b)", to: ["a"], except: ["b"] },
  { name: "except(b)", to: [], except: ["b"] },
  { name: "except(c)", to: [], except: ["c"] },
  { name: "to(a,c).except(b)", to: ["a", "c"], except: ["b"] },
  { name: "to(missing)", to: ["missing"], except: [] },
  { name: "to(a).except(a)", to: ["a"], except: ["a"] },
  { name: "to(a).except(d)", to: ["a"], except: ["d"] },
  { name: "except(d)", to: [], except: ["d"] },
  { name: "except(a) (most excluded)", to: [], except: ["a"] },
  { name: "except(b,c)", to: [], except: ["b", "c"] },
  { name: "except(id4,id2) (no other room)", to: [], except: [], exceptIds: [4, 2] },
  { name: "to(a).except(id0,id1,id3)", to: ["a"], except: [], exceptIds: [0, 1, 3] },
  { name: "to(id5,id6)", to: [], except: [], exceptIds: [] },
  { name: "socket.broadcast (ws sender)", to: [], except: [], from: 0 },
  { name: "socket.broadcast (polling sender)", to: [], except: [], from: 1 },
  { name: "socket.to(a) (member sender)", to: ["a"], except: [], from: 3 },
  { name: "socket.to(a) (non-member sender)", to: ["a"], except: [], from: 4 },
  { name: "socket.to(a,c).except(b)", to: ["a", "c"], except: ["b"], from: 7 },
];

function expectedRecipients(s: Scenario): Set<number> {
  const out = new Set<number>();
  MEMBERSHIP.forEach((rooms, i) => {
    const toIds = s.name === "to(id5,id6)" ? [5, 6] : [];
    const included = (s.to.length === 0 && toIds.length === 0) || rooms.some((r) => s.to.includes(r)) || toIds.includes(i);
    const excluded = rooms.some((r) => s.except.includes(r)) || i === s.from || (s.exceptIds ?? []).includes(i);
    if (included && !excluded) out.add(i);
  });
  return out;
}

async function runMatrix(backend: Backend, transportOf: (i: number) => Transport, binary: boolean) {
  const h = await start(backend);
  try {
    const serverSockets: any[] = [];
    const clients: ClientSocket[] = [];
    const received: Array<Map<string, number>> = [];
    for (let i = 0; i < MEMBERSHIP.length; i++) {
      const conn = once<[any]>(h.io, "connection");
      const client = h.client("/", { transports: [transportOf(i)] });
      const [socket] = await conn;
      await connected(client);
      socket.join(MEMBERSHIP[i]);
      serverSockets.push(socket);
      clients.push(client);
      const counts = new Map<string, number>();
      received.push(counts);
      client.on("msg", (tag: string, payload?: Buffer) => {
        if (binary) assert.deepEqual([...payload!], [1, 2, 3, 255]);
        counts.set(tag, (counts.get(tag) ?? 0) + 1);
      });
    }
    let syncNo = 0;
    const sync = async () => {
      const n = ++syncNo;
      await Promise.all(
        clients.map(
          (c) =>
            new Promise<void>((resolve) => {
              const onSync = (k: number) => {
                if (k !== n) return;
                c.off("sync", onSync);
                resolve();
              };
              c.on("sync", onSync);
            }),
        ),
      );
    };
    for (const s of SCENARIOS) {
      let op: any = s.from === undefined ? h.io : serverSockets[s.from].broadcast;
      if (s.to.length) op = op.to(s.to);
      if (s.name === "to(id5,id6)") op = op.to([serverSockets[5].id, serverSockets[6].id]);
      if (s.except.length) op = op.except(s.except);
      if (s.exceptIds?.length) op = op.except(s.exceptIds.map((i) => serverSockets[i].id));
      if (binary) op.emit("msg", s.name, Buffer.from([1, 2, 3, 255]));
      else op.emit("msg", s.name);
      const done = sync();
      h.io.emit("sync", syncNo);
      await done;
    }
    for (const s of SCENARIOS) {
      const expected = expectedRecipients(s);
      for (let i = 0; i < clients.length; i++) {
        const got = received[i].get(s.name) ?? 0;
        assert.equal(got, expected.has(i) ? 1 : 0, `${s.name}: client ${i} (${MEMBERSHIP[i].join(",") || "-"}, ${transportOf(i)}) got it ${got} times`);
      }
    }
  } finally {
    await h.cleanup();
  }
}

const mixed = (i: number): Transport => (i % 2 === 0 ? "websocket" : "polling");

for (const backend of ["uws", "node"] as const) {
  test(`broadcast exactly once, mixed transports (${backend})`, () => runMatrix(backend, mixed, false));
  test(`binary broadcast exactly once, mixed transports (${backend})`, () => runMatrix(backend, mixed, true));
  test(`broadcast exactly once, all WebSocket (${backend})`, () => runMatrix(backend, () => "websocket", false));
}
test(`broadcast exactly once, all polling (uws)`, () => runMatrix("uws", () => "polling", false));

test("rooms bookkeeping: join, leave, rooms getter, adapter maps (uws)", async () => {
  const h = await start("uws");
  try {
    const conn = once<[any]>(h.io, "connection");
    const client = h.client();
    const [socket] = await conn;
    await connected(client);
    const adapter = h.io.sockets.adapter;
    socket.join(["x", "y"]);
    assert.deepEqual([...socket.rooms].sort(), [socket.id, "x", "y"].sort());
    assert.ok(adapter.rooms.get("x")!.has(socket.id));
    socket.leave("x");
    assert.equal(adapter.rooms.has("x"), false);
    const got: string[] = [];
    client.on("m", (v: string) => got.push(v));
    h.io.to("x").emit("m", "to-x");
    h.io.to("y").emit("m", "to-y");
    const done = once(client, "end");
    h.io.emit("end");
    await done;
    assert.deepEqual(got, ["to-y"]);
    const left = once(socket, "disconnect");
    client.disconnect();
    await left;
    assert.equal(adapter.sids.has(socket.id), false);
    assert.equal(adapter.rooms.size, 0);
  } finally {
    await h.cleanup();
  }
});

test("per-socket order is kept between direct emits and broadcasts (uws, websocket)", async () => {
  const h = await start("uws");
  try {
    const conn = once<[any]>(h.io, "connection");
    const client = h.client();
    const [socket] = await conn;
    await connected(client);
    socket.join("r");
    const other = h.client();
    await connected(other);
    const got: number[] = [];
    client.on("n", (v: number) => got.push(v));
    for (let i = 0; i < 40; i += 4) {
      socket.emit("n", i);
      h.io.emit("n", i + 1);
      h.io.to("r").emit("n", i + 2);
      socket.emit("n", i + 3);
    }
    const done = once(client, "end");
    socket.emit("end");
    await done;
    assert.deepEqual(got, Array.from({ length: 40 }, (_, i) => i));
  } finally {
    await h.cleanup();
  }
});

test("uWS backend uses the topic adapter: one publish per frame for a room broadcast", async () => {
  const { UwsAdapter, Adapter } = await import("../../src/index");
  const h = await start("uws");
  const hn = await start("node");
  try {
    assert.ok(h.io.sockets.adapter instanceof UwsAdapter);
    assert.ok(!(hn.io.sockets.adapter instanceof UwsAdapter));
    assert.ok(hn.io.sockets.adapter instanceof Adapter);
    const clients = [];
    for (let i = 0; i < 5; i++) {
      const conn = once<[any]>(h.io, "connection");
      const c = h.client();
      const [s] = await conn;
      await connected(c);
      s.join("room");
      clients.push(c);
    }
    const published: Array<[string, boolean]> = [];
    const engine = h.io.engine as any;
    const original = engine.publish.bind(engine);
    engine.publish = (topic: string, data: any, isBinary: boolean) => {
      published.push([topic, isBinary]);
      return original(topic, data, isBinary);
    };
    const all = Promise.all(clients.map((c) => once(c, "bin")));
    h.io.to("room").emit("bin", Buffer.from([1]));
    const args = await all;
    for (const [b] of args) assert.deepEqual([...(b as Buffer)], [1]);
    assert.deepEqual(published.map((p) => p[1]), [false, true]);
  } finally {
    await h.cleanup();
    await hn.cleanup();
  }
});

for (const backend of ["uws", "node"] as const) {
  test(`broadcasts during a polling -> WebSocket upgrade arrive exactly once, in order (${backend})`, async () => {
    const h = await start(backend);
    try {
      const conn = once<[any]>(h.io, "connection");
      const client = h.client("/", { transports: ["polling", "websocket"] });
      await connected(client);
      const [socket] = await conn;
      socket.join("room");
      assert.equal(socket.conn.transport.name, "polling");
      const got: number[] = [];
      client.on("n", (i: number) => got.push(i));
      const upgraded = once(socket.conn, "upgrade");
      let i = 0;
      let sawUpgrade = false;
      void upgraded.then(() => (sawUpgrade = true));
      // keep broadcasting (room, namespace, direct) until well after the upgrade
      while (!sawUpgrade || i < 600) {
        if (i % 3 === 0) h.io.to("room").emit("n", i);
        else if (i % 3 === 1) h.io.emit("n", i);
        else socket.emit("n", i);
        i++;
        if (i % 10 === 0) await new Promise((r) => setImmediate(r));
        if (i > 20000) break;
      }
      assert.equal(socket.conn.transport.name, "websocket");
      const done = once(client, "end");
      h.io.to("room").emit("end");
      await done;
      assert.equal(got.length, i);
      assert.deepEqual(got, Array.from({ length: i }, (_, k) => k));
    } finally {
      await h.cleanup();
    }
  });
}
