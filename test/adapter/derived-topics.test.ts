// Derived topics (src/adapter/derived-topics.ts) on the default uWS path: a repeating
// multi-room / except broadcast is one publish to a topic whose membership the adapter keeps
// up to date. What must hold: every recipient gets each broadcast exactly once and nobody
// else gets it, through joins, leaves, socketsJoin / socketsLeave, disconnections, eviction,
// polling sessions and their upgrade, with binary, compress, volatile and local flags and
// from a socket (socket.to excludes the sender). Official socket.io-client, new Server(0).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket as ClientSocket } from "socket.io-client";
import { Server, type ServerOptions } from "../../src/index";
import { connected, once, start, type Harness, type Transport } from "../socketio/helpers";

/** Issue 11's shape in small: r0..r3, some in r0+r1 or r2+r1, a few also in x; one in none. */
const MEMBERSHIP: string[][] = [
  ["r0"],
  ["r0", "r1"],
  ["r1"],
  ["r2", "r1"],
  ["r2"],
  ["r3"],
  ["r0", "x"],
  ["r1", "x"],
  ["r2", "r1", "x"],
  ["r3", "x"],
  [],
  ["r0"],
];

interface Fixture {
  h: Harness;
  sockets: any[];
  clients: ClientSocket[];
  /** The rooms each socket is in now (kept by the test alongside the server's). */
  rooms: Array<Set<string>>;
  /** Whether each client is still connected. */
  alive: boolean[];
  counts: Array<Map<string, number>>;
  /** Emits through `op`, waits until every live client saw everything before it. */
  send(tag: string, emit: (tag: string) => void): Promise<void>;
  /** Asserts who got `tag` and how often: `n` times each for `expected`, 0 for the others. */
  check(tag: string, expected: Set<number>): void;
  stats(): { topics: number; subscriptions: number; evictions: number };
}

/** A client's transports: one of them only, or "upgrade" (polling, then WebSocket). */
type ClientTransport = Transport | "upgrade";

async function fixture(
  opts: Partial<ServerOptions>,
  transportOf: (i: number) => ClientTransport,
  binary = false,
  setup?: (h: Harness) => void,
): Promise<Fixture> {
  const h = await start("uws", opts);
  setup?.(h);
  const sockets: any[] = [];
  const clients: ClientSocket[] = [];
  const counts: Array<Map<string, number>> = [];
  for (let i = 0; i < MEMBERSHIP.length; i++) {
    const conn = once<[any]>(h.io, "connection");
    const t = transportOf(i);
    const client = h.client("/", { transports: t === "upgrade" ? ["polling", "websocket"] : [t] });
    const [socket] = await conn;
    await connected(client);
    socket.join(MEMBERSHIP[i]);
    sockets.push(socket);
    clients.push(client);
    const seen = new Map<string, number>();
    counts.push(seen);
    client.on("m", (tag: string, payload?: Buffer) => {
      if (binary) assert.deepEqual([...payload!], [1, 2, 3, 255]);
      seen.set(tag, (seen.get(tag) ?? 0) + 1);
    });
  }
  const alive = MEMBERSHIP.map(() => true);
  const rooms = MEMBERSHIP.map((r, i) => new Set([...r, sockets[i].id]));
  let syncNo = 0;
  const f: Fixture = {
    h,
    sockets,
    clients,
    rooms,
    alive,
    counts,
    async send(tag, emit) {
      emit(tag);
      const n = ++syncNo;
      const waits = clients
        .filter((_, i) => alive[i])
        .map(
          (c) =>
            new Promise<void>((resolve) => {
              const onSync = (k: number) => {
                if (k !== n) return;
                c.off("sync", onSync);
                resolve();
              };
              c.on("sync", onSync);
            }),
        );
      h.io.emit("sync", n);
      await Promise.all(waits);
    },
    check(tag, expected) {
      for (let i = 0; i < clients.length; i++) {
        const got = counts[i].get(tag) ?? 0;
        assert.equal(got, expected.has(i) ? 1 : 0, `${tag}: client ${i} (${[...rooms[i]].filter((r) => r !== sockets[i].id).join(",") || "-"}, ${transportOf(i)}) got it ${got} times`);
      }
    },
    stats() {
      return (h.io.sockets.adapter as any).derivedTopicStats;
    },
  };
  return f;
}

/** Indexes of the live sockets in any of `to` (all when empty), in none of `except`, not in `exceptIdx`. */
function recipients(f: Fixture, to: string[], except: string[], exceptIdx: number[] = []): Set<number> {
  const out = new Set<number>();
  f.rooms.forEach((rooms, i) => {
    if (!f.alive[i] || exceptIdx.includes(i)) return;
    const inTarget = to.length === 0 || to.some((r) => rooms.has(r));
    if (inTarget && !except.some((r) => rooms.has(r))) out.add(i);
  });
  return out;
}

const mixed = (i: number): Transport => (i % 3 === 1 ? "polling" : "websocket");
const allWs = (): Transport => "websocket";

for (const [name, transportOf] of [
  ["mixed WebSocket and polling", mixed],
  ["all WebSocket", allWs],
] as const) {
  for (const binary of [false, true]) {
    test(`repeated shapes: each recipient once per broadcast, through derived topics (${name}${binary ? ", binary" : ""})`, async () => {
      const f = await fixture({}, transportOf, binary);
      try {
        const io = f.h.io;
        const payload = binary ? [Buffer.from([1, 2, 3, 255])] : [];
        const shapes: Array<{ tag: string; to: string[]; except: string[]; from?: number; emit: (tag: string) => void }> = [
          { tag: "r012-x", to: ["r0", "r1", "r2"], except: ["x"], emit: (t) => io.to(["r0", "r1", "r2"]).except("x").emit("m", t, ...payload) },
          { tag: "r210-x (other order)", to: ["r0", "r1", "r2"], except: ["x"], emit: (t) => io.to(["r2", "r1", "r0"]).except("x").emit("m", t, ...payload) },
          { tag: "r01", to: ["r0", "r1"], except: [], emit: (t) => io.to(["r0", "r1"]).emit("m", t, ...payload) },
          { tag: "r1-x", to: ["r1"], except: ["x"], emit: (t) => io.to("r1").except("x").emit("m", t, ...payload) },
          { tag: "all-x", to: [], except: ["x"], emit: (t) => io.except("x").emit("m", t, ...payload) },
          { tag: "local r012-x", to: ["r0", "r1", "r2"], except: ["x"], emit: (t) => io.local.to(["r0", "r1", "r2"]).except("x").emit("m", t, ...payload) },
          { tag: "compress(false) r23", to: ["r2", "r3"], except: [], emit: (t) => io.compress(false).to(["r2", "r3"]).emit("m", t, ...payload) },
          // socket.to excludes the sender: a WebSocket member, a polling member (mixed), a non-member
          { tag: "socket1.to(r012).except(x)", to: ["r0", "r1", "r2"], except: ["x"], from: 1, emit: (t) => f.sockets[1].to(["r0", "r1", "r2"]).except("x").emit("m", t, ...payload) },
          { tag: "socket3.to(r012).except(x)", to: ["r0", "r1", "r2"], except: ["x"], from: 3, emit: (t) => f.sockets[3].to(["r0", "r1", "r2"]).except("x").emit("m", t, ...payload) },
          { tag: "socket5.to(r012).except(x)", to: ["r0", "r1", "r2"], except: ["x"], from: 5, emit: (t) => f.sockets[5].to(["r0", "r1", "r2"]).except("x").emit("m", t, ...payload) },
          { tag: "socket0.broadcast.except(x)", to: [], except: ["x"], from: 0, emit: (t) => f.sockets[0].broadcast.except("x").emit("m", t, ...payload) },
          // several single sockets excluded besides the shared room
          {
            tag: "r01-x-ids",
            to: ["r0", "r1"],
            except: ["x"],
            emit: (t) => io.to(["r0", "r1"]).except(["x", f.sockets[0].id, f.sockets[2].id]).emit("m", t, ...payload),
          },
        ];
        // Four rounds: cold, derived on the second use (the default), then hot.
        for (let round = 0; round < 4; round++) {
          for (const s of shapes) await f.send(`${s.tag} #${round}`, s.emit);
        }
        assert.ok(f.stats().topics >= 6, `derived topics in use: ${JSON.stringify(f.stats())}`);
        for (const s of shapes) {
          const extra = s.tag === "r01-x-ids" ? [0, 2] : [];
          const expected = recipients(f, s.to, s.except, s.from === undefined ? extra : [s.from]);
          for (let round = 0; round < 4; round++) f.check(`${s.tag} #${round}`, expected);
        }
      } finally {
        await f.h.cleanup();
      }
    });
  }
}

test("membership follows join, leave, socketsJoin, socketsLeave, disconnectSockets and disconnections", async () => {
  const f = await fixture({ derivedTopics: { after: 1 } }, mixed);
  try {
    const io = f.h.io;
    const to = ["r0", "r1"];
    const except = ["x"];
    let step = 0;
    const round = async (what: string) => {
      const tag = `${step++}: ${what}`;
      await f.send(tag, (t) => io.to(to).except(except).emit("m", t));
      f.check(tag, recipients(f, to, except));
    };
    const join = (i: number, room: string) => {
      f.sockets[i].join(room);
      f.rooms[i].add(room);
    };
    const leave = (i: number, room: string) => {
      f.sockets[i].leave(room);
      f.rooms[i].delete(room);
    };
    await round("derived");
    assert.equal(f.stats().topics, 1);
    join(10, "r0"); // in no room before
    await round("10 joined r0");
    join(0, "x");
    await round("0 joined x");
    leave(0, "x");
    await round("0 left x");
    leave(11, "r0"); // its only room
    await round("11 left r0");
    join(1, "r3"); // a room the shape does not name: nothing changes
    await round("1 joined r3");
    io.in("r3").socketsJoin("r1");
    for (const i of [...recipients(f, ["r3"], [])]) f.rooms[i].add("r1");
    await round("r3 socketsJoin r1");
    io.in("r3").socketsLeave("r1");
    for (const i of [...recipients(f, ["r3"], [])]) f.rooms[i].delete("r1");
    await round("r3 socketsLeave r1");
    io.in("x").socketsLeave("x");
    for (const r of f.rooms) r.delete("x");
    await round("everyone left x");
    const before = f.stats().subscriptions;
    const gone = once(f.sockets[2], "disconnect");
    io.in(f.sockets[2].id).disconnectSockets(true);
    await gone;
    f.alive[2] = false;
    await round("2 disconnected by the server");
    const gone1 = once(f.sockets[1], "disconnect");
    f.clients[1].disconnect(); // a polling client leaving
    await gone1;
    f.alive[1] = false;
    await round("1 disconnected");
    assert.equal(f.stats().subscriptions, before - 2);
    // Every derived subscription is a live member of the shape.
    assert.equal(f.stats().subscriptions, recipients(f, to, except).size);
  } finally {
    await f.h.cleanup();
  }
});

test("at most `max` derived topics: a shape used more often evicts the least recently used, members unsubscribed; shapes taking turns do not thrash", async () => {
  const f = await fixture({ derivedTopics: { max: 2, after: 1 } }, mixed);
  try {
    const io = f.h.io;
    const A: [string[], string[]] = [["r0", "r1"], ["x"]];
    const B: [string[], string[]] = [["r1", "r2"], []];
    const C: [string[], string[]] = [[], ["r0"]];
    let n = 0;
    const emit = async ([to, except]: [string[], string[]]) => {
      const tag = `${n++}: to ${to} except ${except}`;
      await f.send(tag, (t) => io.to(to).except(except).emit("m", t));
      f.check(tag, recipients(f, to, except));
      const stats = f.stats();
      assert.ok(stats.topics <= 2, JSON.stringify(stats));
      assert.ok(stats.subscriptions <= 2 * f.sockets.length, JSON.stringify(stats));
    };
    for (let i = 0; i < 3; i++) await emit(A);
    for (let i = 0; i < 3; i++) await emit(B);
    assert.deepEqual(f.stats().evictions, 0);
    for (let i = 0; i < 5; i++) await emit(C); // used more often than A lately: A goes
    assert.equal(f.stats().evictions, 1);
    // A socket's topics hold only the derived topics still alive (A's were unsubscribed).
    const derivedOf = (i: number) => [...f.sockets[i].conn.topics].filter((t: string) => t.includes("\x1d")).length;
    for (let i = 0; i < f.sockets.length; i++) assert.ok(derivedOf(i) <= 2, `socket ${i}: ${derivedOf(i)} derived topics`);
    // Three shapes taking turns with room for two: delivery stays exact, and A (cold, used
    // no more than the others) does not evict on each turn.
    for (let round = 0; round < 4; round++) for (const shape of [A, B, C]) await emit(shape);
    assert.equal(f.stats().evictions, 1);
  } finally {
    await f.h.cleanup();
  }
});

test("a polling session that upgrades gets the derived topics it joined while polling", async () => {
  // Every upgrade is held until the shape has been derived while these sessions poll.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const upgrading = (i: number) => i % 2 === 0;
  const f = await fixture({ derivedTopics: { after: 1 } }, (i) => (upgrading(i) ? "upgrade" : "websocket"), false, (h) => {
    h.io.engine.use((req: any, _res: any, next: (err?: unknown) => void) => {
      const url = String(req.url);
      if (url.includes("transport=websocket") && url.includes("sid=")) void gate.then(() => next());
      else next();
    });
  });
  try {
    const io = f.h.io;
    const to = ["r0", "r1", "r2"];
    const except = ["x"];
    for (let i = 0; i < f.sockets.length; i++) {
      assert.equal(f.sockets[i].conn.transport.name, upgrading(i) ? "polling" : "websocket", `socket ${i}`);
    }
    for (const tag of ["polling #0", "polling #1"]) {
      await f.send(tag, (t) => io.to(to).except(except).emit("m", t));
      f.check(tag, recipients(f, to, except));
    }
    assert.equal(f.stats().topics, 1);
    f.sockets[10].join("r2"); // joins the shape while polling
    f.rooms[10].add("r2");
    const upgraded = f.sockets.filter((_, i) => upgrading(i)).map((s) => once(s.conn, "upgrade", 5000));
    release();
    await Promise.all(upgraded);
    for (let i = 0; i < f.sockets.length; i++) assert.equal(f.sockets[i].conn.transport.name, "websocket", `socket ${i}`);
    for (const tag of ["upgraded #0", "upgraded #1"]) {
      await f.send(tag, (t) => io.to(to).except(except).emit("m", t));
      f.check(tag, recipients(f, to, except));
    }
    f.sockets[0].join("x"); // leaves the shape on WebSocket
    f.rooms[0].add("x");
    await f.send("after x", (t) => io.to(to).except(except).emit("m", t));
    f.check("after x", recipients(f, to, except));
  } finally {
    await f.h.cleanup();
  }
});

test("volatile and derivedTopics: false", async () => {
  const f = await fixture({ derivedTopics: false }, allWs);
  try {
    const io = f.h.io;
    for (let round = 0; round < 3; round++) {
      await f.send(`off #${round}`, (t) => io.to(["r0", "r1", "r2"]).except("x").emit("m", t));
      f.check(`off #${round}`, recipients(f, ["r0", "r1", "r2"], ["x"]));
    }
    assert.deepEqual(f.stats(), { topics: 0, subscriptions: 0, evictions: 0 });
  } finally {
    await f.h.cleanup();
  }
  const g = await fixture({ derivedTopics: { after: 1 } }, allWs);
  try {
    const io = g.h.io;
    await g.send("derive", (t) => io.to(["r0", "r1", "r2"]).except("x").emit("m", t));
    // Nothing in flight after the sync: a volatile broadcast reaches every WebSocket recipient once.
    await g.send("volatile", (t) => io.volatile.to(["r0", "r1", "r2"]).except("x").emit("m", t));
    g.check("volatile", recipients(g, ["r0", "r1", "r2"], ["x"]));
  } finally {
    await g.h.cleanup();
  }
});

test("derivedTopics option is validated", () => {
  for (const bad of [{ max: -1 }, { max: 1.5 }, { after: 0 }, 3, null]) {
    assert.throws(() => new Server({ derivedTopics: bad as any }), (err: any) => err.code === "ERR_HYPERIO_INVALID_OPTION" && /derivedTopics/.test(err.message));
  }
  new Server({ derivedTopics: { max: 0 } }).close();
  new Server({ derivedTopics: false }).close();
});
