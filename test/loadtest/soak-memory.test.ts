// The cycles' memory reading (loadtest/soak/memory.ts): RSS split by kind from /proc/self/smaps
// must add up to what the kernel reports for the whole process, and V8's spaces must be there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { memoryBreakdown } from "../../loadtest/soak/memory";

test("smaps split adds up to the process's Rss, V8 spaces are read", { skip: process.platform !== "linux" }, () => {
  const m = memoryBreakdown();
  // smaps_rollup walks the same page tables; read right after, nothing big allocated between.
  const rollupKb = Number(/^Rss:\s+(\d+)/m.exec(readFileSync("/proc/self/smaps_rollup", "utf8"))![1]);
  const split = m.brkHeapRss + m.otherAnonRss + m.fileRss;
  assert.ok(m.brkHeapRss > 0 && m.otherAnonRss > 0 && m.fileRss > 0, JSON.stringify(m));
  assert.ok(Math.abs(split - rollupKb * 1024) < 0.05 * rollupKb * 1024, `split ${split} vs rollup ${rollupKb * 1024}`);
  for (const space of ["new_space", "old_space", "code_space", "large_object_space"]) {
    assert.ok(m.spaces[space], `${space} missing`);
    assert.ok(m.spaces[space].committed >= m.spaces[space].used || space === "large_object_space");
  }
  assert.ok(m.heapTotal >= m.heapUsed && m.external >= m.arrayBuffers);
});
