// The soak's cycles verdict: which readings it compares. With recovery on, the readings right
// after a cycle still hold what recovery keeps for its window (each cycle's emits), so the
// baseline and the final reading are the ones taken after the window passed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cycleRows, cyclesVerdict, type CycleResult } from "../../loadtest/soak/cycles";

const MiB = 2 ** 20;
function reading(cycle: number, heapMiB: number, extra: Partial<CycleResult> = {}): CycleResult {
  return { cycle, connected: cycle ? 100 : 0, connectMs: 0, rssBytes: 100 * MiB, heapBytes: heapMiB * MiB, fds: 30, peakRssBytes: 0, peakHeapBytes: 0, peakFds: 0, ...extra };
}

test("without waiting: the last cycle against cycle 1", () => {
  const r = [reading(0, 8), reading(1, 10), reading(2, 10.5), reading(3, 12)];
  const v = cyclesVerdict(r)!;
  assert.equal(v.heap.toFixed(2), "0.20");
  assert.equal(v.ok, false);
});

test("recovery on: the readings after the window, not the ones holding kept packets", () => {
  const r = [
    reading(0, 8),
    reading(1, 11, { keptPackets: 2000 }),
    reading(1, 9.5, { afterWindowS: 55, keptPackets: 0 }),
    reading(2, 11.5, { keptPackets: 2000 }),
    reading(3, 13, { keptPackets: 4000 }),
    reading(3, 9.7, { afterWindowS: 48, keptPackets: 0 }),
  ];
  const v = cyclesVerdict(r)!;
  assert.equal(v.heap.toFixed(3), (9.7 / 9.5 - 1).toFixed(3));
  assert.equal(v.ok, true);
  const rows = cycleRows(r);
  assert.deepEqual(
    rows.map((x) => x.label),
    ["before any client", "after cycle 1", "cycle 1, recovery window passed", "after cycle 2", "after cycle 3", "cycle 3, recovery window passed"],
  );
  assert.match(rows[1].text, /\(2000 kept\)/);
  assert.match(rows[5].text, /waited 48 s/);
});

test("one cycle: no verdict", () => {
  assert.equal(cyclesVerdict([reading(0, 8), reading(1, 10)]), undefined);
  assert.equal(cyclesVerdict([reading(0, 8), reading(1, 10), reading(1, 9, { afterWindowS: 50 })]), undefined);
});
