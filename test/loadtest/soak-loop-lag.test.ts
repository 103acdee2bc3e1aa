// The soak's event-loop delay (loadtest/soak/loop-lag.ts) must show a loop that is behind:
// a block just before a read, and a loop blocked so long that a probe fires about once
// between two reads (where monitorEventLoopDelay reset at each read found nothing).
import { test } from "node:test";
import assert from "node:assert/strict";
import { LoopLag } from "../../loadtest/soak/loop-lag";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test("a block right before a read is in that read (the probe still pending)", async () => {
  const lag = new LoopLag().start();
  try {
    await sleep(100);
    lag.read();
    busy(300);
    const r = lag.read();
    assert.ok(r.maxMs >= 290, `max ${r.maxMs} ms after a 300 ms block`);
    assert.ok(r.p99Ms >= 290, `p99 ${r.p99Ms} ms after a 300 ms block (${r.count} firings)`);
  } finally {
    lag.stop();
  }
});

test("a loop blocked 400 ms at a time reads at least that at every read", async () => {
  const lag = new LoopLag().start();
  const blocker = setInterval(() => busy(400), 5);
  try {
    await sleep(50);
    lag.read();
    const reads = [];
    for (let i = 0; i < 3; i++) {
      await sleep(1000);
      reads.push(lag.read());
    }
    for (const r of reads) assert.ok(r.maxMs >= 350 && r.p99Ms >= 350, `read ${JSON.stringify(reads)}`);
    const t = lag.totals();
    assert.ok(t.maxMs >= 350, `since start: ${JSON.stringify(t)}`);
  } finally {
    clearInterval(blocker);
    lag.stop();
  }
});

test("an idle loop reads the probe firing about on time", async () => {
  const lag = new LoopLag().start();
  try {
    await sleep(50);
    lag.read();
    await sleep(500);
    const r = lag.read();
    assert.ok(r.count >= 10, `only ${r.count} firings in 500 ms`);
    assert.ok(r.p99Ms < 250, `p99 ${r.p99Ms} ms on an idle loop`);
    lag.resetTotal();
    assert.equal(lag.totals().count, 0);
  } finally {
    lag.stop();
  }
});
