// Cross-node scenarios shared by both Redis adapters. Each runs on a fresh three-node
// cluster, asserts the exact outcome it expects (so upstream and hyperio must both be right),
// and returns its observations with socket ids replaced by peer labels, so the test files can
// also require hyperio's observations to equal upstream's.
//
// "Exactly once" is checked by recording every event each client receives (onAny) and
// comparing the complete per-client lists, after flush markers guarantee nothing is still in
// flight (see cluster.ts): a duplicate or a misdelivered packet shows up as a difference.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as msgpackParser from "socket.io-msgpack-parser";
import type { ServerOptions } from "../../src/index";
import { GUARD_MS, nextEvent, until, type Cluster, type Peer } from "./cluster";

export interface Scenario {
  name: string;
  nsps?: string[];
  serverOpts?: Partial<ServerOptions>;
  /** Set only for a hyperio bug found here: shown as a node:test todo until fixed. */
  hyperioTodo?: string;
  run(c: Cluster): Promise<unknown>;
}

/** The standard peers: a WebSocket and a polling-only client on each of nodes A, B, C. */
export const PEERS = ["A.ws", "A.poll", "B.ws", "B.poll", "C.ws", "C.poll"];

export function without(labels: string[], ...drop: string[]): string[] {
  return labels.filter((l) => !drop.includes(l));
}

/** Binary values as "bin:<length>:<sha1 prefix>", functions as "[fn]": comparable and short. */
export function digest(v: unknown): unknown {
  if (typeof v === "function") return "[fn]";
  if (v instanceof ArrayBuffer) return digest(new Uint8Array(v));
  if (ArrayBuffer.isView(v)) {
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return `bin:${bytes.length}:${createHash("sha1").update(bytes).digest("hex").slice(0, 8)}`;
  }
  if (Array.isArray(v)) return v.map(digest);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, digest(x)]));
  return v;
}

/**
 * @socket.io/redis-adapter sends serverSideEmit arguments as JSON, so a Buffer arrives as its
 * toJSON() form `{ type: "Buffer", data }` (upstream too); the streams adapter keeps binary.
 * Assertions accept both; the parity comparison still sees the raw form.
 */
function bufferJsonAsBinary(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(bufferJsonAsBinary);
  const o = v as { type?: unknown; data?: unknown } | null;
  if (o && typeof o === "object" && o.type === "Buffer" && Array.isArray(o.data) && Object.keys(o).length === 2) {
    return digest(Buffer.from(o.data as number[]));
  }
  return v;
}

/** The first argument of every `event` a peer received, sorted (arrival order across nodes is free). */
function payloads(peer: Pick<Peer, "received">, event: string): unknown[] {
  return peer.received
    .filter((e) => e[0] === event)
    .map((e) => digest(e[1]))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** What each peer received of `event`, by label (exported for test/ecosystem). */
export function receivedBy(peers: Array<Pick<Peer, "label" | "received">>, event: string): Record<string, unknown[]> {
  return Object.fromEntries(peers.map((p) => [p.label, payloads(p, event)]));
}

/** Inverts { payload: recipients } into what each peer must have received, sorted. */
export function expectedFrom(peers: Array<Pick<Peer, "label">>, table: Array<[unknown, string[]]>): Record<string, unknown[]> {
  return Object.fromEntries(
    peers.map((p) => [
      p.label,
      table
        .filter(([, to]) => to.includes(p.label))
        .map(([payload]) => digest(payload))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ]),
  );
}

/**
 * Every named room (not the per-socket id rooms) over every node's local adapter view, with
 * its members by label. Rooms without members do not exist, as in the adapters.
 */
function clusterRooms(c: Cluster, nsp = "/"): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const node of c.nodes) {
    for (const [room, ids] of node.io.of(nsp).adapter.rooms as Map<string, Set<string>>) {
      if (c.label(room) !== room) continue;
      for (const id of ids) (out[room] ??= []).push(c.label(id));
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)).map(([r, m]) => [r, m.sort()]));
}

/** Waits until the cluster-wide room view equals `expected`, then asserts it (so a timeout shows the difference). */
async function roomsBecome(c: Cluster, expected: Record<string, string[]>, nsp = "/"): Promise<void> {
  const want = JSON.stringify(Object.fromEntries(Object.entries(expected).sort(([a], [b]) => a.localeCompare(b))));
  await until(() => JSON.stringify(clusterRooms(c, nsp)) === want, "room membership to settle").catch(() => {});
  assert.deepEqual(clusterRooms(c, nsp), JSON.parse(want));
}

function describeSocket(c: Cluster, s: any) {
  return {
    label: s.data?.label,
    kind: s.constructor.name,
    rooms: [...s.rooms].map((r: string) => c.label(r)).sort(),
    data: s.data,
    auth: s.handshake.auth,
    queryLabel: s.handshake.query.label,
    handshakeTypes: Object.fromEntries(Object.entries(s.handshake).map(([k, v]) => [k, typeof v]).sort()),
  };
}

function labelsOf(sockets: any[]): string[] {
  return sockets.map((s) => s.data.label).sort();
}

/** Every peer answers "q" and "binq" acks with its label, and ignores "silent". */
export function answerQuestions(peers: Array<Pick<Peer, "label" | "client">>): void {
  for (const p of peers) {
    p.client.on("q", (x: unknown, cb: (v: unknown) => void) => cb(`${p.label}:${x}`));
    p.client.on("binq", (_x: unknown, cb: (v: unknown) => void) => cb(Buffer.from(p.label)));
    p.client.on("silent", () => {});
  }
}

/**
 * Who receives each "m" broadcast of the broadcasts scenario (rooms: A.ws r1, B.poll r1+r2,
 * C.ws r2, C.poll r3): shared with the cluster-adapter suite, which emits the same shapes.
 */
export const BROADCAST_DELIVERIES: Array<[string, string[]]> = [
  ["all", PEERS],
  ["r1", ["A.ws", "B.poll"]],
  ["r1|r2", ["A.ws", "B.poll", "C.ws"]],
  ["all-r1", ["A.poll", "B.ws", "C.ws", "C.poll"]],
  ["r2-r1", ["C.ws"]],
  ["A.ws broadcast", without(PEERS, "A.ws")],
  ["C.poll to r1", ["A.ws", "B.poll"]],
  ["to C.ws by id", ["C.ws"]],
  ["r3|r1 minus A.ws", ["B.poll", "C.poll"]],
  ["r2 uncompressed", ["B.poll", "C.ws"]],
];

export const broadcasts: Scenario = {
  name: "io.emit, to(room), to(several), except, socket.broadcast, socket.to across nodes",
  async run(c) {
    const peers = await c.standardPeers();
    const [A, B, C] = c.nodes.map((n) => n.io);
    const s = (label: string) => c.peer(label).socket;
    s("A.ws").join("r1");
    s("B.poll").join(["r1", "r2"]);
    s("C.ws").join("r2");
    s("C.poll").join("r3");
    A.emit("m", "all");
    B.to("r1").emit("m", "r1");
    C.to(["r1", "r2"]).emit("m", "r1|r2");
    A.except("r1").emit("m", "all-r1");
    B.to("r2").except("r1").emit("m", "r2-r1");
    s("A.ws").broadcast.emit("m", "A.ws broadcast");
    s("C.poll").to("r1").emit("m", "C.poll to r1");
    B.to("nobody").emit("m", "nobody");
    A.to(s("C.ws").id).emit("m", "to C.ws by id");
    A.to("r3").to("r1").except(s("A.ws").id).emit("m", "r3|r1 minus A.ws");
    C.compress(false).to("r2").emit("m", "r2 uncompressed");
    await c.flush(peers);
    const got = receivedBy(peers, "m");
    assert.deepEqual(
      got,
      expectedFrom(peers, BROADCAST_DELIVERIES),
    );
    // nothing but "m" and flush markers reached any client
    for (const p of peers) assert.deepEqual([...new Set(p.received.map((e) => e[0]))].filter((e) => e !== "m"), [], p.label);
    return got;
  },
};

export const namespaces: Scenario = {
  name: "namespaces other than / stay apart across nodes",
  nsps: ["/", "/chat"],
  async run(c) {
    const main = await c.standardPeers("/");
    const chat = [await c.connect(0, "websocket", "/chat"), await c.connect(1, "polling", "/chat"), await c.connect(2, "websocket", "/chat")];
    const [A, B, C] = c.nodes.map((n) => n.io);
    c.peer("A.ws").socket.join("lobby");
    c.peer("chat:B.poll").socket.join("lobby");
    A.of("/chat").emit("m", "chat all");
    B.emit("m", "main all");
    C.of("/chat").to("lobby").emit("m", "chat lobby");
    A.to("lobby").emit("m", "main lobby");
    c.peer("chat:B.poll").socket.broadcast.emit("m", "chat broadcast");
    await c.flush(main, [0, 1, 2], "/");
    await c.flush(chat, [0, 1, 2], "/chat");
    const all = [...main, ...chat];
    const got = receivedBy(all, "m");
    assert.deepEqual(
      got,
      expectedFrom(all, [
        ["chat all", ["chat:A.ws", "chat:B.poll", "chat:C.ws"]],
        ["main all", PEERS],
        ["chat lobby", ["chat:B.poll"]],
        ["main lobby", ["A.ws"]],
        ["chat broadcast", ["chat:A.ws", "chat:C.ws"]],
      ]),
    );
    return got;
  },
};

export const binary: Scenario = {
  name: "binary payloads (small, nested, 70 kB) and binary acks across nodes",
  async run(c) {
    const peers = await c.standardPeers();
    answerQuestions(peers);
    const [A, B] = c.nodes.map((n) => n.io);
    const big = Buffer.alloc(70_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    c.peer("A.poll").socket.join("r1");
    c.peer("C.ws").socket.join("r1");
    const nested = { nested: Uint8Array.of(4, 5), list: [Buffer.from([6])], text: "é" };
    A.emit("bin", Buffer.from([1, 2, 3]));
    B.emit("bin", nested);
    B.to("r1").emit("bin", big);
    c.peer("C.poll").socket.broadcast.emit("bin", { b: Buffer.from([7]) });
    await c.flush(peers);
    const got = receivedBy(peers, "bin");
    assert.deepEqual(
      got,
      expectedFrom(peers, [
        [Buffer.from([1, 2, 3]), PEERS],
        [nested, PEERS],
        [big, ["A.poll", "C.ws"]],
        [{ b: Buffer.from([7]) }, without(PEERS, "C.poll")],
      ]),
    );
    const answers: unknown[] = await B.timeout(GUARD_MS).emitWithAck("binq", Buffer.from([9]));
    const decoded = answers.map((a) => Buffer.from(a as Uint8Array).toString()).sort();
    assert.deepEqual(decoded, [...PEERS].sort());
    assert.ok(answers.every((a) => Buffer.isBuffer(a) || a instanceof Uint8Array || a instanceof ArrayBuffer));
    return { got, decoded };
  },
};

export const acks: Scenario = {
  name: "broadcast acks collected from clients on every node (emitWithAck, callback, socket.broadcast, timeout)",
  async run(c) {
    const peers = await c.standardPeers();
    answerQuestions(peers);
    const [A, B, C] = c.nodes.map((n) => n.io);
    c.peer("A.ws").socket.join("r1");
    c.peer("C.poll").socket.join("r1");
    const sorted = (xs: unknown[]) => [...xs].map(String).sort();
    const all = sorted(await A.timeout(GUARD_MS).emitWithAck("q", 1));
    const r1 = sorted(await B.to("r1").timeout(GUARD_MS).emitWithAck("q", 2));
    const viaCallback = await new Promise<unknown[]>((resolve) =>
      C.timeout(GUARD_MS).emit("q", 3, (err: Error | null, res: unknown[]) => resolve([err && err.message, sorted(res)])),
    );
    const fromSocket = sorted(await c.peer("A.ws").socket.broadcast.timeout(GUARD_MS).emitWithAck("q", 4));
    const exceptR1 = sorted(await B.except("r1").timeout(GUARD_MS).emitWithAck("q", 5));
    const nobody = sorted(await B.to("nobody").timeout(GUARD_MS).emitWithAck("q", 6));
    const timedOut = await A.timeout(300)
      .emitWithAck("silent")
      .then(
        () => "resolved",
        (err: Error) => err.message,
      );
    await c.flush(peers);
    const answersFor = (n: number, to: string[]) => to.map((l) => `${l}:${n}`).sort();
    assert.deepEqual(all, answersFor(1, PEERS));
    assert.deepEqual(r1, answersFor(2, ["A.ws", "C.poll"]));
    assert.deepEqual(viaCallback, [null, answersFor(3, PEERS)]);
    assert.deepEqual(fromSocket, answersFor(4, without(PEERS, "A.ws")));
    assert.deepEqual(exceptR1, answersFor(5, without(PEERS, "A.ws", "C.poll")));
    assert.deepEqual(nobody, []);
    assert.equal(timedOut, "operation has timed out");
    // every question reached each client exactly once
    const asked = receivedBy(peers, "q");
    assert.deepEqual(
      asked,
      expectedFrom(peers, [
        [1, PEERS],
        [2, ["A.ws", "C.poll"]],
        [3, PEERS],
        [4, without(PEERS, "A.ws")],
        [5, without(PEERS, "A.ws", "C.poll")],
      ]),
    );
    return { all, r1, viaCallback, fromSocket, exceptR1, nobody, timedOut, asked };
  },
};

export const fetchSockets: Scenario = {
  name: "fetchSockets across nodes, RemoteSocket emit / emitWithAck / join / leave / disconnect",
  async run(c) {
    const peers = await c.standardPeers();
    answerQuestions(peers);
    const [A, B, C] = c.nodes.map((n) => n.io);
    c.peer("A.ws").socket.join("r1");
    c.peer("B.poll").socket.join("r1");
    c.peer("C.ws").socket.join("r2");
    c.peer("C.poll").socket.join("r2");
    const all = await A.fetchSockets();
    const described = all.map((s: any) => describeSocket(c, s)).sort((x: any, y: any) => x.label.localeCompare(y.label));
    assert.deepEqual(labelsOf(all), [...PEERS].sort());
    for (const d of described) {
      assert.equal(d.kind, d.label.startsWith("A.") ? "Socket" : "RemoteSocket", d.label);
      assert.deepEqual(d.data, { label: d.label });
      assert.deepEqual(d.auth, { label: d.label });
      assert.equal(d.queryLabel, d.label);
    }
    const inR1 = labelsOf(await B.in("r1").fetchSockets());
    const notR1 = labelsOf(await C.except("r1").fetchSockets());
    const r1r2MinusCws = labelsOf(await A.in(["r1", "r2"]).except(c.peer("C.ws").socket.id).fetchSockets());
    const localB = labelsOf(await B.local.fetchSockets());
    assert.deepEqual(inR1, ["A.ws", "B.poll"]);
    assert.deepEqual(notR1, ["A.poll", "B.ws", "C.poll", "C.ws"]);
    assert.deepEqual(r1r2MinusCws, ["A.ws", "B.poll", "C.poll"]);
    assert.deepEqual(localB, ["B.poll", "B.ws"]);

    const remote = all.find((s: any) => s.data.label === "C.ws");
    remote.emit("direct", "hello C.ws");
    await c.flush(peers, [0]);
    assert.deepEqual(receivedBy(peers, "direct"), expectedFrom(peers, [["hello C.ws", ["C.ws"]]]));
    const single = await remote.timeout(GUARD_MS).emitWithAck("q", 7);
    assert.equal(single, "C.ws:7");

    const rooms = { r1: ["A.ws", "B.poll"], r2: ["C.poll", "C.ws"] };
    remote.join("x");
    await roomsBecome(c, { ...rooms, x: ["C.ws"] });
    const inX = labelsOf(await B.in("x").fetchSockets());
    remote.leave("x");
    await roomsBecome(c, rooms);
    const inXAfterLeave = labelsOf(await B.in("x").fetchSockets());
    assert.deepEqual(inX, ["C.ws"]);
    assert.deepEqual(inXAfterLeave, []);

    const victim = c.peer("B.poll");
    const gone = nextEvent<[string]>(victim.client, "disconnect");
    all.find((s: any) => s.data.label === "B.poll").disconnect();
    const [reason] = await gone;
    assert.equal(reason, "io server disconnect");
    await until(() => !B.of("/").sockets.has(victim.socket.id), "B.poll to leave node B");
    const after = labelsOf(await A.fetchSockets());
    assert.deepEqual(after, without(PEERS, "B.poll").sort());
    return { described, inR1, notR1, r1r2MinusCws, localB, single, inX, inXAfterLeave, reason, after };
  },
};

export const socketsJoinLeaveDisconnect: Scenario = {
  name: "socketsJoin / socketsLeave / disconnectSockets across nodes",
  async run(c) {
    const peers = await c.standardPeers();
    const [A, B, C] = c.nodes.map((n) => n.io);
    c.peer("A.ws").socket.join("r1");
    c.peer("B.poll").socket.join(["r1", "r2"]);
    c.peer("C.ws").socket.join("r2");
    c.peer("C.poll").socket.join("r3");
    // what each node's adapter reports while remote calls change its rooms (parity only)
    const roomEvents: Record<string, string[]> = { A: [], B: [], C: [] };
    for (const node of c.nodes) {
      for (const ev of ["create-room", "join-room", "leave-room", "delete-room"]) {
        node.io.of("/").adapter.on(ev, (room: string, id?: string) =>
          roomEvents[node.name].push([ev, c.label(room), id === undefined ? "" : c.label(id)].join(" ")),
        );
      }
    }
    B.in("r1").socketsJoin("j");
    C.except("r1").socketsJoin(["k1", "k2"]);
    const rooms = { r1: ["A.ws", "B.poll"], r2: ["B.poll", "C.ws"], r3: ["C.poll"] };
    await roomsBecome(c, { ...rooms, j: ["A.ws", "B.poll"], k1: ["A.poll", "B.ws", "C.poll", "C.ws"], k2: ["A.poll", "B.ws", "C.poll", "C.ws"] });
    A.in("r3").socketsLeave("k2");
    A.in("j").socketsLeave(["j", "nonexistent"]);
    await roomsBecome(c, { ...rooms, k1: ["A.poll", "B.ws", "C.poll", "C.ws"], k2: ["A.poll", "B.ws", "C.ws"] });
    A.to("k2").emit("m", "to k2");
    await c.flush(peers);
    assert.deepEqual(receivedBy(peers, "m"), expectedFrom(peers, [["to k2", ["A.poll", "B.ws", "C.ws"]]]));

    // disconnect without closing: A.ws and B.poll (room r1), from node C
    const r1Gone = ["A.ws", "B.poll"].map((l) => nextEvent<[string]>(c.peer(l).client, "disconnect"));
    C.in("r1").disconnectSockets();
    const softReasons = (await Promise.all(r1Gone)).map(([r]) => r);
    // closing the connection too: k2 minus r2 = A.poll, B.ws, from node B
    const k2Gone = ["A.poll", "B.ws"].map((l) => nextEvent<[string]>(c.peer(l).client, "disconnect"));
    B.in("k2").except("r2").disconnectSockets(true);
    const hardReasons = (await Promise.all(k2Gone)).map(([r]) => r);
    const survivors = [c.peer("C.ws"), c.peer("C.poll")];
    A.emit("m", "after disconnects");
    await c.flush(survivors);
    assert.deepEqual(softReasons, ["io server disconnect", "io server disconnect"]);
    assert.ok(survivors.every((p) => p.client.connected));
    assert.deepEqual(
      peers.filter((p) => p.client.connected).map((p) => p.label),
      ["C.ws", "C.poll"],
    );
    await until(() => c.nodes.every((n) => n.io.of("/").sockets.size === (n.name === "C" ? 2 : 0)), "servers to drop the disconnected sockets");
    const messages = receivedBy(peers, "m");
    assert.deepEqual(
      messages,
      expectedFrom(peers, [
        ["to k2", ["A.poll", "B.ws", "C.ws"]],
        ["after disconnects", ["C.ws", "C.poll"]],
      ]),
    );
    for (const k of Object.keys(roomEvents)) roomEvents[k].sort();
    return { softReasons, hardReasons, messages, roomEvents };
  },
};

export const serverSideEmit: Scenario = {
  name: "serverSideEmit with and without ack, on / and on /chat",
  nsps: ["/", "/chat"],
  async run(c) {
    const heard: Record<string, unknown[]> = { A: [], B: [], C: [] };
    for (const node of c.nodes) {
      const io = node.io;
      io.on("hello", (...args: unknown[]) => heard[node.name].push(digest(["/", ...args])));
      io.of("/chat").on("hello", (...args: unknown[]) => heard[node.name].push(digest(["/chat", ...args])));
      io.on("ask", (x: unknown, cb: (v: unknown) => void) => cb(`${node.name}:${x}`));
      io.on("__sync__", (cb: () => void) => cb());
      io.of("/chat").on("__sync__", (cb: () => void) => cb());
    }
    const [A, B, C] = c.nodes.map((n) => n.io);
    A.serverSideEmit("hello", "from A", { n: 1 });
    A.serverSideEmit("hello", Buffer.from([1, 2]));
    B.of("/chat").serverSideEmit("hello", "chat from B");
    const answers = ((await A.serverSideEmitWithAck("ask", 1)) as string[]).sort();
    const viaCallback = await new Promise<unknown[]>((resolve) =>
      C.serverSideEmit("ask", 2, (err: Error | null, res: string[]) => resolve([err && err.message, [...res].sort()])),
    );
    // a round trip from each emitting node: whatever it sent before has been handled
    await A.serverSideEmitWithAck("__sync__");
    await B.of("/chat").serverSideEmitWithAck("__sync__");
    const order = (xs: unknown[]) => xs.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    for (const k of Object.keys(heard)) order(heard[k]);
    const fromA = [digest(["/", "from A", { n: 1 }]), digest(["/", Buffer.from([1, 2])])];
    const fromB = [digest(["/chat", "chat from B"])];
    assert.deepEqual(Object.fromEntries(Object.entries(heard).map(([k, v]) => [k, order(v.map(bufferJsonAsBinary))])), {
      A: order([...fromB]),
      B: order([...fromA]),
      C: order([...fromA, ...fromB]),
    });
    assert.deepEqual(answers, ["B:1", "C:1"]);
    assert.deepEqual(viaCallback, [null, ["A:2", "B:2"]]);
    return { heard, answers, viaCallback };
  },
};

export const localView: Scenario = {
  name: "adapter.rooms / sids hold the local view; io.local; serverCount; allSockets",
  async run(c) {
    const peers = await c.standardPeers();
    const [A, B] = c.nodes.map((n) => n.io);
    c.peer("A.ws").socket.join("r1");
    c.peer("A.poll").socket.join("r1");
    c.peer("B.ws").socket.join("r1");
    c.peer("C.poll").socket.join("r2");
    const view = () =>
      Object.fromEntries(
        c.nodes.map((n) => {
          const adapter = n.io.of("/").adapter;
          const rooms = Object.fromEntries([...adapter.rooms].map(([r, ids]: [string, Set<string>]) => [c.label(r), [...ids].map((id) => c.label(id)).sort()]).sort());
          const sids = Object.fromEntries([...adapter.sids].map(([id, rs]: [string, Set<string>]) => [c.label(id), [...rs].map((r) => c.label(r)).sort()]).sort());
          return [n.name, { rooms, sids }];
        }),
      );
    const before = view();
    assert.deepEqual(before, {
      A: { rooms: { "A.poll": ["A.poll"], "A.ws": ["A.ws"], r1: ["A.poll", "A.ws"] }, sids: { "A.poll": ["A.poll", "r1"], "A.ws": ["A.ws", "r1"] } },
      B: { rooms: { "B.poll": ["B.poll"], "B.ws": ["B.ws"], r1: ["B.ws"] }, sids: { "B.poll": ["B.poll"], "B.ws": ["B.ws", "r1"] } },
      C: { rooms: { "C.poll": ["C.poll"], "C.ws": ["C.ws"], r2: ["C.poll"] }, sids: { "C.poll": ["C.poll", "r2"], "C.ws": ["C.ws"] } },
    });
    const serverCounts = await Promise.all(c.nodes.map((n) => n.io.of("/").adapter.serverCount()));
    assert.deepEqual(serverCounts, [3, 3, 3]);
    const allSockets = [...(await A.allSockets())].map((id) => c.label(id)).sort();
    B.local.emit("m", "B local");
    A.local.to("r1").emit("m", "A local r1");
    await c.flush(peers);
    const got = receivedBy(peers, "m");
    assert.deepEqual(
      got,
      expectedFrom(peers, [
        ["B local", ["B.ws", "B.poll"]],
        ["A local r1", ["A.ws", "A.poll"]],
      ]),
    );
    const leaving = nextEvent(c.peer("A.poll").socket, "disconnect");
    c.peer("A.poll").client.disconnect();
    await leaving;
    const after = view().A;
    assert.deepEqual(after, { rooms: { "A.ws": ["A.ws"], r1: ["A.ws"] }, sids: { "A.ws": ["A.ws", "r1"] } });
    return { before, serverCounts, allSockets, got, after };
  },
};

export const dynamicNamespaces: Scenario = {
  name: "dynamic namespaces (io.of(regex)): child and parent broadcasts across nodes, empty child cleanup",
  serverOpts: { cleanupEmptyChildNamespaces: true },
  async run(c) {
    const parents = c.nodes.map((n) => n.io.of(/^\/dyn-\d+$/));
    // "/dyn-1" gets a child on every node, "/dyn-2" on node B only
    const dyn1 = [await c.connect(0, "websocket", "/dyn-1"), await c.connect(1, "polling", "/dyn-1"), await c.connect(2, "websocket", "/dyn-1")];
    const dyn2 = [await c.connect(1, "websocket", "/dyn-2")];
    await c.ready(["/dyn-1"]);
    c.peer("dyn-1:B.poll").socket.join("room");
    parents[0].emit("m", "parent A");
    parents[1].emit("m", "parent B");
    parents[2].to("room").emit("m", "parent C to room");
    c.nodes[0].io.of("/dyn-1").emit("m", "child A");
    await c.flush(dyn1, [0, 1, 2], "/dyn-1");
    await c.flush(dyn2, [1], "/dyn-2");
    const all = [...dyn1, ...dyn2];
    const got = receivedBy(all, "m");
    const everyDyn1 = dyn1.map((p) => p.label);
    assert.deepEqual(
      got,
      expectedFrom(all, [
        // a parent reaches the children that exist on its own node, and through their
        // adapters the same namespaces on the other nodes
        ["parent A", everyDyn1],
        ["parent B", [...everyDyn1, "dyn-2:B.ws"]],
        ["parent C to room", ["dyn-1:B.poll"]],
        ["child A", everyDyn1],
      ]),
    );
    // The last socket of "/dyn-2" leaves: node B drops the child and closes its adapter;
    // a new client re-creates it with a fresh adapter that works across nodes again.
    const B = c.nodes[1].io;
    const left = nextEvent(dyn2[0].socket, "disconnect");
    dyn2[0].client.disconnect();
    await left;
    await until(() => !B._nsps.has("/dyn-2"), "node B to drop the empty /dyn-2");
    // its adapter stopped listening (so what is counted next is the new adapter)
    await c.unsubscribed("/dyn-2");
    const again = await c.connect(1, "polling", "/dyn-2", "dyn-2:B.poll (again)");
    const other = await c.connect(2, "websocket", "/dyn-2");
    // only B and C have a "/dyn-2" child now
    await c.ready(["/dyn-2"], 2);
    parents[2].emit("m", "parent C after cleanup");
    await c.flush([again, other], [1, 2], "/dyn-2");
    const afterCleanup = receivedBy([again, other], "m");
    assert.deepEqual(afterCleanup, expectedFrom([again, other], [["parent C after cleanup", [again.label, other.label]]]));
    return { got, afterCleanup };
  },
};

export const nodeLeaves: Scenario = {
  name: "a node closing (io.close()) leaves the cluster: counts, acks, fetchSockets, broadcasts",
  async run(c) {
    const peers = await c.standardPeers();
    answerQuestions(peers);
    const [A, B] = c.nodes.map((n) => n.io);
    const cPeers = [c.peer("C.ws"), c.peer("C.poll")];
    const cGone = cPeers.map((p) => nextEvent<[string]>(p.client, "disconnect"));
    await c.closeNode(2);
    const reasons = (await Promise.all(cGone)).map(([r]) => r);
    // each adapter unsubscribes on close; the others see it through PUBSUB NUMSUB
    await until(async () => (await A.of("/").adapter.serverCount()) === 2, "serverCount to drop to 2");
    const serverCount = await B.of("/").adapter.serverCount();
    const answers = ((await A.timeout(GUARD_MS).emitWithAck("q", 1)) as string[]).sort();
    const fetched = labelsOf(await B.fetchSockets());
    B.emit("m", "after C left");
    const remaining = peers.filter((p) => p.node.name !== "C");
    await c.flush(remaining, [0, 1]);
    const got = receivedBy(remaining, "m");
    const left = without(PEERS, "C.ws", "C.poll");
    assert.equal(serverCount, 2);
    assert.deepEqual(answers, left.map((l) => `${l}:1`).sort());
    assert.deepEqual(fetched, [...left].sort());
    assert.deepEqual(got, expectedFrom(remaining, [["after C left", left]]));
    return { reasons, serverCount, answers, fetched, got };
  },
};

export const customParser: Scenario = {
  name: "socket.io-msgpack-parser as the parser option: broadcasts and acks across nodes",
  serverOpts: { parser: msgpackParser as any },
  async run(c) {
    const peers = await c.standardPeers("/", { parser: msgpackParser });
    answerQuestions(peers);
    const [A, B, C] = c.nodes.map((n) => n.io);
    c.peer("B.ws").socket.join("r1");
    c.peer("C.poll").socket.join("r1");
    const payload = { n: 1, s: "é", bin: Buffer.from([1, 2, 3]), list: [true, null] };
    A.emit("m", payload);
    C.to("r1").emit("m", "r1");
    c.peer("B.ws").socket.broadcast.emit("m", "from B.ws");
    await c.flush(peers);
    const got = receivedBy(peers, "m");
    assert.deepEqual(
      got,
      expectedFrom(peers, [
        [payload, PEERS],
        ["r1", ["B.ws", "C.poll"]],
        ["from B.ws", without(PEERS, "B.ws")],
      ]),
    );
    const answers = ((await B.timeout(GUARD_MS).emitWithAck("q", 1)) as string[]).sort();
    assert.deepEqual(answers, PEERS.map((l) => `${l}:1`).sort());
    return { got, answers };
  },
};

export const COMMON: Scenario[] = [
  broadcasts,
  namespaces,
  dynamicNamespaces,
  binary,
  acks,
  fetchSockets,
  socketsJoinLeaveDisconnect,
  serverSideEmit,
  localView,
  nodeLeaves,
  customParser,
];
