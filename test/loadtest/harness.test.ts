// Smoke run of every load scenario against upstream socket.io (ws engine) and the bare uWS
// floor: the harness runs end to end, every delivery arrives exactly once and in order, and
// every figure the report prints is present and plausible. No speed is asserted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runHarness } from "../../loadtest/harness";
import { FAMILIES, NEEDS_POLLING } from "../../loadtest/scenarios/catalog";
import type { ServerKind } from "../../loadtest/lib/server-proc";
import { assertPlausible } from "./plausible";

const SERVERS: ServerKind[] = ["upstream-ws", "bare-uws"];

test("smoke: every scenario against upstream-ws and bare-uws", { timeout: 150000 }, async () => {
  const outDir = mkdtempSync(join(tmpdir(), "hyperio-loadtest-"));
  try {
    const run = await runHarness({
      scenarios: [...FAMILIES],
      servers: SERVERS,
      durationS: 0.3,
      smoke: true,
      concurrency: 100,
      windowTimeoutMs: 10000,
      outDir,
      progress: false,
      command: "harness.test.ts",
    });
    for (const family of FAMILIES) {
      assert.ok(run.results.some((r) => r.spec.family === family && !r.skipped), `no result for ${family}`);
    }
    for (const r of run.results) assertPlausible(r);
    // bare-uws is WebSocket-only: the polling families are reported as skipped, not failed.
    const skipped = run.results.filter((r) => r.skipped);
    assert.ok(skipped.every((r) => r.server === "bare-uws" && (NEEDS_POLLING as ReadonlySet<string>).has(r.spec.family)));

    // Outputs: JSON of every figure, the markdown table, one SVG per family.
    const json = run.files.find((f) => f.endsWith(".json"));
    assert.ok(json && existsSync(json));
    const parsed = JSON.parse(readFileSync(json, "utf8")) as { results: unknown[] };
    assert.equal(parsed.results.length, run.results.length);
    for (const family of FAMILIES) {
      const svg = run.files.find((f) => f.endsWith(`-${family}.svg`));
      assert.ok(svg, `no chart for ${family}`);
      assert.match(readFileSync(svg, "utf8"), /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>$/);
    }
    for (const id of new Set(run.results.map((r) => r.spec.id))) assert.ok(run.markdown.includes(id), `table lacks ${id}`);
    assert.match(run.markdown, /\| upstream-ws \| [\d.]+k? \| 1\.00× \|/);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
