// Keeps bench/socketio-parser.bench.ts from rotting: its --quick mode must run to the end and
// print the comparison table. No figures are checked (timings are not test material).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(__dirname, "../..");

test("the codec benchmark runs in --quick mode", { timeout: 14_000 }, () => {
  const run = spawnSync(process.execPath, ["--import", "tsx", "bench/socketio-parser.bench.ts", "--quick"], {
    cwd: root,
    encoding: "utf8",
    timeout: 13_000,
  });
  assert.equal(run.status, 0, run.stderr);
  for (const row of ["encode small event", "decode 64 KiB JSON", "encode 1 KiB binary", "decode 64 KiB binary"]) {
    assert.match(run.stdout, new RegExp(row), row);
  }
  assert.match(run.stdout, /ratio/);
});
