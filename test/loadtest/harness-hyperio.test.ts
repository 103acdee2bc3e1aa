// Smoke run of every load scenario against hyperio (uWS and node:http backends), once
// src/index.ts exists: the same checks as for upstream, so a hyperio delivery bug (loss,
// duplicate, reordering, misdelivery with rooms and except) fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runHarness } from "../../loadtest/harness";
import { FAMILIES } from "../../loadtest/scenarios/catalog";
import { hyperioLooksAvailable } from "../../loadtest/servers/hyperio-module";
import { assertPlausible } from "./plausible";

test(
  "smoke: every scenario against hyperio and hyperio-node",
  { timeout: 150000, skip: hyperioLooksAvailable() ? false : "src/index.ts does not exist yet" },
  async () => {
    const outDir = mkdtempSync(join(tmpdir(), "hyperio-loadtest-"));
    try {
      const run = await runHarness({
        scenarios: [...FAMILIES],
        servers: ["hyperio", "hyperio-node"],
        durationS: 0.3,
        smoke: true,
        concurrency: 100,
        windowTimeoutMs: 10000,
        outDir,
        progress: false,
        command: "harness-hyperio.test.ts",
      });
      assert.equal(run.results.filter((r) => r.skipped).length, 0);
      for (const r of run.results) assertPlausible(r);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  },
);
