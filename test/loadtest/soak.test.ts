// The soak's delivery check must be able to fail: a lost, a duplicated and a reordered
// message are each caught, recovery's promise is held to exactly-once and in order, and what
// a client misses while cut off without recovery is counted by cause, not as loss. Then a
// tiny soak end to end (hyperio, recovery on, faults on): nothing lost, the report written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientChecker } from "../../loadtest/soak/checker";
import { BROADCASTS, roomsOf } from "../../loadtest/soak/wire";
import { Expectation } from "../../loadtest/client/membership";
import { parseOptions } from "../../loadtest/soak/options";
import { runSoak } from "../../loadtest/soak/run";
import { lastLine, verdictOf, writeReport } from "../../loadtest/soak/report";

// Client 1 is in r1 only: broadcasts 0 (r0,r1 except x) and 2 (r1 except x) of every 4.
const IDX = 1;
const expect1 = new Expectation(roomsOf(IDX), BROADCASTS);
const mine = (n: number) => Array.from({ length: 4 * n }, (_, s) => s).filter((s) => expect1.expects(s));

function fresh(): ClientChecker {
  const c = new ClientChecker(IDX);
  c.onConnect(false, "");
  c.onHello({ node: 0, b: 0, d: 0, a: 0 });
  return c;
}

test("in order, exactly once: nothing counted but deliveries", () => {
  const c = fresh();
  for (const s of mine(5)) c.onMessage("b", 0, s, 1);
  for (let s = 0; s < 10; s++) c.onMessage("d", 0, s, 1);
  assert.deepEqual([c.tally.delivered, c.tally.lost, c.tally.duplicated, c.tally.outOfOrder], [20, 0, 0, 0]);
});

test("a lost broadcast and a lost per-socket emit are loss", () => {
  const c = fresh();
  const seqs = mine(3); // 0, 2, 4, 6, 8, 10
  for (const s of seqs.filter((s) => s !== 4)) c.onMessage("b", 0, s, 1);
  c.onMessage("d", 0, 0, 1);
  c.onMessage("d", 0, 2, 1);
  assert.equal(c.tally.lost, 2);
  assert.deepEqual(c.tally.lostBy, { b: 1, d: 1 });
});

test("a duplicate is counted as duplicated, a late one as out of order", () => {
  const c = fresh();
  c.onMessage("d", 0, 0, 1);
  c.onMessage("d", 0, 0, 1);
  assert.equal(c.tally.duplicated, 1);
  c.onMessage("d", 0, 2, 1); // 1 skipped: lost
  c.onMessage("d", 0, 1, 1); // then arrives late
  assert.equal(c.tally.outOfOrder, 1);
  assert.equal(c.tally.duplicated, 1);
});

test("a broadcast to rooms the client is not in is misdelivered", () => {
  const c = fresh();
  c.onMessage("b", 0, 1, 1); // seq 1 goes to r2,r3,r0
  assert.equal(c.tally.misdelivered, 1);
});

test("after a recovered reconnect a gap is loss; after a hello it has a cause", () => {
  const recovered = fresh();
  recovered.onMessage("d", 0, 0, 1);
  recovered.onConnect(true, "");
  recovered.onMessage("d", 0, 3, 1);
  assert.equal(recovered.tally.lost, 2);

  const notRecovered = fresh();
  notRecovered.onMessage("d", 0, 0, 1);
  notRecovered.onConnect(false, "connection lost (websocket)");
  notRecovered.onHello({ node: 0, b: 8, d: 3, a: 0 });
  notRecovered.onMessage("d", 0, 3, 1);
  assert.equal(notRecovered.tally.lost, 0);
  // d: 1, 2; b: 0, 2, 4, 6 below 8
  assert.deepEqual(notRecovered.tally.unrecovered, { "connection lost (websocket)": 6 });
});

test("emits with an ack are not kept for recovery: a gap across a recovered reconnect has that cause", () => {
  const c = fresh();
  c.onMessage("a", 0, 0, 1);
  c.onConnect(true, "");
  c.onMessage("a", 0, 2, 1);
  assert.equal(c.tally.lost, 0);
  assert.deepEqual(c.tally.unrecovered, { "emit with ack, not kept for recovery": 1 });
  c.onMessage("a", 0, 4, 1); // same connection now: loss
  assert.equal(c.tally.lost, 1);
});

test("a gap inside a declared fault window is counted under it", () => {
  const faults = [{ cause: "redis-server restart", startUs: 100, endUs: 200 }];
  const c = new ClientChecker(IDX, faults);
  c.onConnect(false, "");
  c.onHello({ node: 0, b: 0, d: 0, a: 0 });
  c.onMessage("d", 0, 0, 50);
  c.onMessage("d", 0, 2, 150); // 1 was emitted between 50 and 150: inside the window
  c.onMessage("d", 0, 3, 250);
  c.onMessage("d", 0, 5, 300); // 4 was emitted between 250 and 300: after it
  assert.equal(c.tally.lost, 1);
  assert.deepEqual(c.tally.faults, { "lost during redis-server restart": 1 });
});

test("a message a fault skip counted, arriving late, stays that fault's (not a duplicate)", () => {
  const faults = [{ cause: "redis-server restart", startUs: 100, endUs: 200 }];
  const c = new ClientChecker(IDX, faults);
  c.onConnect(false, "");
  c.onHello({ node: 0, b: 0, d: 0, a: 0 });
  c.onMessage("a", 0, 0, 50);
  c.onMessage("a", 0, 1, 150);
  c.onMessage("a", 0, 3, 300); // 2 skipped: the gap 150..300 spans the window
  c.onMessage("a", 0, 2, 250); // then 2 arrives
  assert.equal(c.tally.duplicated, 0);
  assert.equal(c.tally.lost, 0);
  assert.deepEqual(c.tally.faults, { "lost during redis-server restart": 1, "late (counted lost) during redis-server restart": 1 });
});

test("at the end, what never arrived is loss for a connected client", () => {
  const c = fresh();
  c.onMessage("d", 0, 0, 1);
  c.finish(new Map([["d0", 3], ["b0", 4]]), true);
  assert.equal(c.tally.lost, 2 + 2);
  const gone = fresh();
  gone.finish(new Map([["d0", 3]]), false);
  assert.equal(gone.tally.lost, 0);
  assert.deepEqual(gone.tally.unrecovered, { "not connected at the end": 3 });
});

test("the verdict line and its failure", () => {
  const c = fresh();
  c.onMessage("d", 0, 1, 1);
  const line = lastLine({ delivered: 1, lost: c.tally.lost, duplicated: 0, outOfOrder: 0, misdelivered: 0 });
  assert.equal(line, "soak: 1 delivered, 1 lost, 0 duplicated, 0 out of order");
});

test("a tiny soak end to end: hyperio, recovery on, faults on, nothing lost", { timeout: 180000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), "hyperio-soak-test-"));
  try {
    const o = parseOptions(["--minutes", "0.1", "--clients", "60", "--cycles", "2", "--cycles-wait", "off", "--hyperio-code", "tsx", "--kick-every", "2", "--storm-at", "0.5", "--out", out, "--quiet"]);
    const r = await runSoak(o, "hyperio", undefined, () => undefined);
    const v = verdictOf(r);
    assert.ok(v.delivered > 0, "something was delivered");
    assert.deepEqual([v.lost, v.duplicated, v.outOfOrder, v.misdelivered], [0, 0, 0, 0], JSON.stringify(r.tally.samples));
    assert.deepEqual(r.crashed, []);
    assert.equal(r.cycles.length, 3);
    assert.ok(r.seconds.length > 0);
    writeReport(o, [r], "test", out);
    const files = readdirSync(out);
    assert.ok(files.some((f) => f.endsWith(".md")) && files.some((f) => f.endsWith(".json")) && files.some((f) => f.endsWith("-rss.svg")));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
