// The recovery memory on its own: which missed packets a restored session gets, one restore
// per session, expiry, and the cap on stored packets.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SessionStore } from "../../src/adapter/session-store";

const opts = (rooms: string[], except: string[] = []) => ({ rooms: new Set(rooms), except: new Set(except) });

test("restore returns the packets after the offset that the session's rooms would have received", () => {
  const store = new SessionStore(60_000);
  try {
    const first = store.record(["a"], opts([]));
    store.record(["to-r"], opts(["r"]));
    store.record(["to-other"], opts(["other"]));
    store.record(["except-r"], opts([], ["r"]));
    store.record(["all"], opts([]));
    store.persist({ sid: "s1", pid: "p1", rooms: ["s1", "r"], data: { x: 1 } });
    const session = store.restore("p1", first);
    assert.ok(session);
    assert.equal(session.sid, "s1");
    assert.deepEqual(session.data, { x: 1 });
    assert.deepEqual(session.missedPackets, [["to-r"], ["all"]]);
    assert.equal(store.restore("p1", first), null, "a session is restored once");
    assert.equal(store.restore("unknown", first), null);
    store.persist({ sid: "s2", pid: "p2", rooms: ["s2"], data: null });
    assert.equal(store.restore("p2", "no-such-offset"), null);
  } finally {
    store.close();
  }
});

test("expired sessions are not restored", async () => {
  const store = new SessionStore(5);
  try {
    const offset = store.record(["a"], opts([]));
    store.persist({ sid: "s", pid: "p", rooms: [], data: null });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(store.restore("p", offset), null);
  } finally {
    store.close();
  }
});

test("with maxStoredPackets the number of stored packets is capped; dropped offsets cannot be restored", () => {
  const MAX_STORED_PACKETS = 1000;
  const store = new SessionStore(60_000, MAX_STORED_PACKETS);
  try {
    const oldest = store.record(["0"], opts([]));
    for (let i = 1; i < MAX_STORED_PACKETS; i++) store.record([String(i)], opts([]));
    const recent = store.record(["last"], opts([])); // triggers the drop of the oldest tenth
    const after = store.record(["after"], opts([]));
    store.persist({ sid: "s", pid: "p", rooms: [], data: null });
    assert.equal(store.restore("p", oldest), null);
    store.persist({ sid: "s", pid: "p", rooms: [], data: null });
    assert.deepEqual(store.restore("p", recent)?.missedPackets, [["after"]]);
    void after;
  } finally {
    store.close();
  }
});

test("without maxStoredPackets (the default, as upstream) every broadcast of the window stays restorable", () => {
  const store = new SessionStore(60_000);
  try {
    const first = store.record(["0"], opts([]));
    for (let i = 1; i <= 150_000; i++) store.record([String(i)], opts([]));
    store.persist({ sid: "s", pid: "p", rooms: [], data: null });
    const missed = store.restore("p", first)?.missedPackets;
    assert.equal(missed?.length, 150_000);
    assert.deepEqual(missed?.at(-1), ["150000"]);
  } finally {
    store.close();
  }
});
