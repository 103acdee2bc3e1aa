// Keeps bench/broadcast-fanout.ts from rotting: a tiny run (20 clients, 3 broadcasts per
// shape) must finish and print its table with every shape for both adapters. No figures are
// checked (timings are not test material).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(__dirname, "../..");

test("the broadcast fanout benchmark runs and prints its table", { timeout: 14_000 }, () => {
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", "bench/broadcast-fanout.ts", "--quick", "--clients", "20", "--broadcasts", "3"],
    { cwd: root, encoding: "utf8", timeout: 13_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /server ns \(uWS\)\s+server ns \(memory\)/);
  for (const shape of ["io.emit", "io.to(half)", "io.to([half, all])", "io.except(4 sockets)", "socket.broadcast", "io.except(half)", "io.to(all).except(80%)"]) {
    const line = run.stdout.split("\n").find((l) => l.startsWith(shape + " "));
    assert.ok(line, `row ${shape}`);
    assert.doesNotMatch(line, /timeout/, line);
    assert.match(line, /^\S.*\s\d+\s+\d+\s+\d+\s+[\d.]+x\s/, line);
  }
});
