// A bounded run of scripts/fuzz-inbound.ts: seeded random and adversarial Engine.IO /
// Socket.IO traffic through real WebSocket and polling connections to an echoing server on
// both backends. Fails on a crash, on a connection left open without answering, on
// well-formed traffic being refused, on a session outliving its client, or if a fresh
// official client cannot connect and echo afterwards.
//
// The seed is printed (a diagnostic line); replay it with
//   SEED=<n> node --import tsx --test test/security/fuzz-inbound.test.ts
// or run longer: npx tsx scripts/fuzz-inbound.ts --seed <n> --seconds 300
import assert from "node:assert/strict";
import { test } from "node:test";
import { runFuzz } from "../../scripts/fuzz-inbound";

test("fuzz of the whole inbound path (engine decode → Socket.IO decode → dispatch), both backends", async (t) => {
  const seed = process.env.SEED !== undefined ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);
  t.diagnostic(`fuzz-inbound seed ${seed}`);
  console.log(`fuzz-inbound seed ${seed}`);
  const report = await runFuzz({ seed, durationMs: 6000, maxCases: 3000, backends: ["uws", "node"] });
  t.diagnostic(`${report.cases} cases: ${report.refused} refused, ${report.echoed} echoed`);
  // Both kinds of outcome occurred, so the run exercised refusals and the echo path alike.
  assert.ok(report.refused > 0 && report.echoed > 0, JSON.stringify(report));
});
