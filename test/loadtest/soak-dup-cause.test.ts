// The soak's checker tells where a duplicate came from (loadtest/soak/checker.ts, dupBy): a
// copy emitted before a recovered connection (what a session restore read back) arriving
// again, against one on a connection that was never cut.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClientChecker } from "../../loadtest/soak/checker";
import { nowUs } from "../../loadtest/lib/clock";

test("a replayed per-socket emit seen again after a recovered connect is classed as such", () => {
  const c = new ClientChecker(1);
  const t0 = nowUs();
  c.onConnect(false, "", t0);
  c.onHello({ node: 0, b: 0, d: 0, a: 0 });
  c.onMessage("d", 0, 0, t0 + 1);
  c.onMessage("d", 0, 1, t0 + 2);
  const t1 = nowUs() + 10;
  c.onConnect(true, "", t1);
  c.onMessage("d", 0, 2, t1 - 5); // replayed: emitted while cut off
  c.onMessage("d", 0, 2, t1 - 5); // and again, live
  assert.equal(c.tally.duplicated, 1);
  assert.deepEqual(c.tally.dupBy, { "recovered connection, emitted before its connect, arrived within 5 s": 1 });
});

test("a duplicate on a connection that was never cut is classed apart", () => {
  const c = new ClientChecker(1);
  const t0 = nowUs() - 6e6;
  c.onConnect(false, "", t0);
  c.onHello({ node: 0, b: 0, d: 0, a: 0 });
  c.onMessage("a", 0, 0, t0 + 1e6);
  c.onMessage("a", 0, 0, t0 + 1e6);
  assert.deepEqual(c.tally.dupBy, { "fresh connection, emitted after its connect, arrived later": 1 });
  assert.equal(c.tally.lost, 0);
});
