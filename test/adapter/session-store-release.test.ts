// What connection state recovery keeps is given back once its window has passed: the sweep
// drops expired sessions and packets (the heap of the soak's cycles comes back to its
// baseline, docs/SOAK.md "Memory across cycles with recovery on"). Driven on mocked timers,
// so no test waits for a real sweep.
import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { SessionStore } from "../../src/adapter/session-store";

const opts = (rooms: string[]) => ({ rooms: new Set(rooms), except: new Set<string>() });
// Upstream's sweep period, which the store follows.
const SWEEP_MS = 60_000;

test("a sweep after the window drops every expired session and packet, and the store starts over empty", () => {
  mock.timers.enable({ apis: ["setInterval", "Date"], now: 1_000_000 });
  const store = new SessionStore(10_000);
  try {
    for (let i = 0; i < 5000; i++) store.record(["hello", { i }], opts([`s${i}`]));
    for (let i = 0; i < 1000; i++) store.persist({ sid: `s${i}`, pid: `p${i}`, rooms: [`s${i}`], data: { i } });
    const held = store as unknown as { packets: unknown[]; sessions: Map<string, unknown>; seqByOffset: Map<string, number> };
    assert.equal(held.packets.length, 5000);
    assert.equal(held.sessions.size, 1000);
    // Within the window (and before the sweep) everything is kept.
    mock.timers.tick(9_000);
    assert.equal(held.packets.length, 5000);
    mock.timers.tick(SWEEP_MS - 9_000);
    assert.equal(held.packets.length, 0);
    assert.equal(held.seqByOffset.size, 0);
    assert.equal(held.sessions.size, 0);
    // What comes after is kept and restorable as before.
    const offset = store.record(["later"], opts([]));
    store.record(["missed"], opts([]));
    store.persist({ sid: "s", pid: "p", rooms: ["s"], data: null });
    assert.deepEqual(store.restore("p", offset)?.missedPackets, [["missed"]]);
  } finally {
    store.close();
    mock.timers.reset();
  }
});

test("a sweep keeps what is still inside the window", () => {
  mock.timers.enable({ apis: ["setInterval", "Date"], now: 1_000_000 });
  const store = new SessionStore(30_000);
  try {
    const held = store as unknown as { packets: unknown[]; sessions: Map<string, unknown> };
    store.record(["old"], opts([]));
    store.persist({ sid: "old", pid: "old", rooms: [], data: null });
    mock.timers.tick(SWEEP_MS - 10_000);
    const recent = store.record(["recent"], opts([]));
    store.persist({ sid: "new", pid: "new", rooms: [], data: null });
    mock.timers.tick(10_000); // the sweep: "old" is 60 s old, "recent" 10 s
    assert.equal(held.packets.length, 1);
    assert.equal(held.sessions.size, 1);
    assert.equal(store.restore("old", recent), null);
    assert.deepEqual(store.restore("new", recent)?.missedPackets, []);
  } finally {
    store.close();
    mock.timers.reset();
  }
});
