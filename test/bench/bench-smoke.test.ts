// Keeps the benchmark scripts in bench/ from rotting: each runs to the end in its --quick
// mode and prints its table. No figure is checked: timings are not test material.
// (bench/socketio-parser.bench.ts and bench/broadcast-fanout.ts have smoke tests of their own.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

const root = resolve(__dirname, "../..");

const benches: Array<{ file: string; expect: RegExp[] }> = [
  { file: "bench/engine-codec.bench.ts", expect: [/hyperio \/ upstream/, /binary/, /text/] },
  { file: "bench/engine-polling-codec.bench.ts", expect: [/native µs/, /twin µs/] },
  { file: "bench/engine-send.bench.ts", expect: [/ws-send .*µs/, /ws-publish .*µs/, /polling .*µs/] },
  { file: "bench/native-codec.bench.ts", expect: [/decodePayload/, /encodePayload/, /jsonStringIsPlain/, /polling decode/] },
];

for (const { file, expect } of benches) {
  test(`${file} runs in --quick mode`, { timeout: 30_000 }, () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", file, "--quick"], {
      cwd: root,
      encoding: "utf8",
      timeout: 28_000,
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    for (const re of expect) assert.match(run.stdout, re);
  });
}
