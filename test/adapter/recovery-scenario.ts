// Connection state recovery through @socket.io/redis-streams-adapter: the session of a
// dropped client is kept in Redis and the packets it missed are read back from the stream,
// so it can recover on the node it left (its own client reconnecting with pid + offset) or
// on another node (a new client presenting the same pid + offset, as after a load balancer
// picked a different node).
import assert from "node:assert/strict";
import { nextEvent, type Peer } from "./cluster";
import type { Scenario } from "./scenarios";

/** The private fields socket.io-client keeps for recovery. */
function recoveryAuth(peer: Peer): { pid: string; offset: string } {
  const client = peer.client as unknown as { _pid?: string; _lastOffset?: string };
  assert.equal(typeof client._pid, "string", `${peer.label} got a pid`);
  assert.equal(typeof client._lastOffset, "string", `${peer.label} got an offset`);
  return { pid: client._pid!, offset: client._lastOffset! };
}

/** Payloads of the "m" events a peer received, sorted (nodes write to the stream concurrently). */
function messages(peer: Peer): string[] {
  return peer.received
    .filter((e) => e[0] === "m")
    .map((e) => String(e[1]))
    .sort();
}

export const recovery: Scenario = {
  name: "connection state recovery of dropped clients on the same node and on another node",
  serverOpts: { connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true } },
  async run(c) {
    const [A, B, C] = c.nodes.map((n) => n.io);
    const witnesses = [await c.connect(0, "websocket", "/", "wA"), await c.connect(1, "polling", "/", "wB"), await c.connect(2, "websocket", "/", "wC")];
    const x = await c.connect(0, "websocket", "/", "X");
    const z = await c.connect(2, "polling", "/", "Z");
    x.socket.join("room1");
    z.socket.join("room1");
    const recoveredAtFirst = [x.client.recovered, z.client.recovered, x.socket.recovered, z.socket.recovered];
    assert.deepEqual(recoveredAtFirst, [false, false, false, false]);
    B.emit("m", "before");
    await c.flush([...witnesses, x, z]);

    // Drop both transports: the servers see "transport close", a recoverable reason.
    const xId = x.socket.id;
    const zId = z.socket.id;
    const xGone = nextEvent<[string]>(x.socket, "disconnect");
    const zGone = nextEvent<[string]>(z.socket, "disconnect");
    const zAuth = recoveryAuth(z);
    (x.client.io as any).engine.close();
    (z.client.io as any).engine.close();
    const serverReasons = [(await xGone)[0], (await zGone)[0]];

    // Sent while both are away. The witnesses' flush markers from every node prove these
    // entries (and the sessions, written before) are in Redis before anyone reconnects.
    B.emit("m", "missed: all");
    C.to("room1").emit("m", "missed: room1");
    A.except("room1").emit("m", "not for room1");
    C.to("other").emit("m", "not for other rooms");
    x.socket.emit("m", "missed: direct to X");
    await c.flush(witnesses);

    // X: its own client reconnects to node A with its pid and last offset.
    const xBack = nextEvent(x.client, "connect");
    x.client.connect();
    await xBack;
    const xNow = A.of("/").sockets.get(x.client.id);
    // Z: a new client on node B presents Z's pid and offset.
    const z2 = await c.connect(1, "polling", "/", "Z2", { auth: zAuth });
    const sameNode = {
      clientRecovered: x.client.recovered,
      sameId: x.client.id === xId,
      serverRecovered: xNow?.recovered,
      rooms: [...(xNow?.rooms ?? [])].map((r: string) => c.label(r)).sort(),
      data: xNow?.data,
    };
    const otherNode = {
      serverRecovered: z2.socket.recovered,
      sameId: z2.socket.id === zId,
      rooms: [...z2.socket.rooms].map((r: string) => c.label(r)).sort(),
      data: z2.socket.data,
    };

    // Once back, they are ordinary members again: one more room broadcast reaches each once.
    A.to("room1").emit("m", "after recovery");
    await c.flush([...witnesses, x, z2]);
    // A session is restored once (the adapter reads and deletes it); unknown pids and
    // malformed offsets give a fresh socket, not an error.
    const z3 = await c.connect(2, "websocket", "/", "Z3", { auth: zAuth });
    const bogus = await c.connect(0, "polling", "/", "bogus", { auth: { pid: "no-such-pid", offset: zAuth.offset } });
    const malformed = await c.connect(1, "websocket", "/", "malformed", { auth: { pid: zAuth.pid, offset: "not-an-offset" } });
    const fresh = [z3, bogus, malformed].map((p) => ({ label: p.label, recovered: p.socket.recovered, reusedId: p.socket.id === zId }));
    assert.deepEqual(fresh, [
      { label: "Z3", recovered: false, reusedId: false },
      { label: "bogus", recovered: false, reusedId: false },
      { label: "malformed", recovered: false, reusedId: false },
    ]);
    const got = { X: messages(x), Z: messages(z), Z2: messages(z2) };
    assert.deepEqual(serverReasons, ["transport close", "transport close"]);
    assert.deepEqual(sameNode, { clientRecovered: true, sameId: true, serverRecovered: true, rooms: ["X", "room1"], data: { label: "X" } });
    assert.deepEqual(otherNode, { serverRecovered: true, sameId: true, rooms: ["Z", "room1"], data: { label: "Z" } });
    assert.deepEqual(got, {
      X: ["after recovery", "before", "missed: all", "missed: direct to X", "missed: room1"],
      Z: ["before"],
      Z2: ["after recovery", "missed: all", "missed: room1"],
    });
    return { recoveredAtFirst, serverReasons, sameNode, otherNode, fresh, got };
  },
};

/**
 * @socket.io/redis-adapter has no connection state recovery (its adapter keeps no sessions):
 * with the option on, a dropped client comes back as a new socket and misses what was sent
 * meanwhile, on upstream as on hyperio.
 */
export const recoveryUnsupported: Scenario = {
  name: "connection state recovery enabled with an adapter that does not support it",
  serverOpts: { connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true } },
  async run(c) {
    const [A, B] = c.nodes.map((n) => n.io);
    const witnesses = [await c.connect(1, "websocket", "/", "wB")];
    const x = await c.connect(0, "websocket", "/", "X");
    x.socket.join("room1");
    B.emit("m", "before");
    await c.flush([...witnesses, x]);
    const oldId = x.socket.id;
    const gone = nextEvent<[string]>(x.socket, "disconnect");
    (x.client.io as any).engine.close();
    const [serverReason] = await gone;
    B.emit("m", "missed");
    await c.flush(witnesses);
    const back = nextEvent(x.client, "connect");
    x.client.connect();
    await back;
    const now = A.of("/").sockets.get(x.client.id);
    B.emit("m", "after");
    await c.flush([...witnesses, x]);
    const observed = {
      serverReason,
      clientRecovered: x.client.recovered,
      sameId: x.client.id === oldId,
      serverRecovered: now?.recovered,
      inRoom1: now?.rooms.has("room1"),
      got: messages(x),
    };
    assert.deepEqual(observed, {
      serverReason: "transport close",
      clientRecovered: false,
      sameId: false,
      serverRecovered: false,
      inRoom1: false,
      got: ["after", "before"],
    });
    return observed;
  },
};
