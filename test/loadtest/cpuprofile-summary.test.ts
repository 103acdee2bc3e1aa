// The profile summariser on a hand-made profile: self and inclusive time per function
// (recursion counted once), groups, idle excluded, and the harness's measured window.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groupOf, summarizeProfile, type CpuProfile } from "../../loadtest/lib/cpuprofile-summary";

const REPO = join(__dirname, "..", "..");
const cf = (functionName: string, url: string, lineNumber = 0) => ({ functionName, scriptId: "1", url, lineNumber, columnNumber: 0 });

function profile(): CpuProfile {
  // root → main(src/a.ts) → f(src/a.ts) → f (recursion) ; root → (idle) ; root → (garbage collector)
  const nodes = [
    { id: 1, callFrame: cf("(root)", ""), children: [2, 5, 6] },
    { id: 2, callFrame: cf("main", `file://${REPO}/src/a.ts`, 1), children: [3] },
    { id: 3, callFrame: cf("f", `file://${REPO}/src/a.ts`, 10), children: [4] },
    { id: 4, callFrame: cf("f", `file://${REPO}/src/a.ts`, 10), children: [] },
    { id: 5, callFrame: cf("(idle)", ""), children: [] },
    { id: 6, callFrame: cf("(garbage collector)", ""), children: [] },
  ];
  // Samples 100 µs apart; the first sample at startTime + 100.
  const samples = [2, 3, 4, 4, 5, 5, 5, 6, 2, 2];
  return { nodes, startTime: 1000, endTime: 2100, samples, timeDeltas: samples.map(() => 100) };
}

test("self and inclusive time, groups, idle excluded", () => {
  const dir = mkdtempSync(join(tmpdir(), "cpuprof-"));
  try {
    const file = join(dir, "a.cpuprofile");
    writeFileSync(file, JSON.stringify(profile()));
    const s = summarizeProfile(file, { top: 10 });
    assert.equal(s.busyUs, 700);
    assert.equal(s.idleUs, 300);
    const f = s.bySelf.find((r) => r.name === "f")!;
    assert.equal(f.selfUs, 300);
    assert.equal(f.totalUs, 300, "recursion counted once");
    const main = s.byTotal.find((r) => r.name === "main")!;
    assert.equal(main.selfUs, 300);
    assert.equal(main.totalUs, 600);
    assert.equal(main.group, "hyperio");
    assert.match(main.where, /^src\/a\.ts:2/);
    assert.deepEqual(
      s.groups.map((g) => [g.group, g.selfUs]),
      [["hyperio", 600], ["garbage collector", 100]],
    );

    // window.json restricts the count to the measured window (here: samples 8..10, t=1800..2000).
    writeFileSync(join(dir, "window.json"), JSON.stringify({ fromUs: 1750, toUs: 2050, mainThreadCpuUs: 500 }));
    const w = summarizeProfile(file);
    assert.equal(w.busyUs, 300);
    assert.equal(w.outsideJsUs, 200);
    assert.equal(summarizeProfile(file, { allTime: true }).busyUs, 700);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("groups", () => {
  assert.equal(groupOf(cf("emit", "node:events")), "node internals");
  assert.equal(groupOf(cf("publish", "")), "native functions called from JS");
  assert.equal(groupOf(cf("(program)", "")), "program (native, outside JS: event loop, uWS C++)");
  assert.equal(groupOf(cf("x", `${REPO}/node_modules/socket.io/dist/socket.js`)), "upstream socket.io/engine.io/ws");
  assert.equal(groupOf(cf("x", `file://${REPO}/node_modules/uWebSockets.js/uws.js`)), "uWS (JS wrapper)");
  assert.equal(groupOf(cf("x", `${REPO}/loadtest/results/.hyperio-build/t/engine/server.js`)), "hyperio");
  assert.equal(groupOf(cf("x", `file://${REPO}/loadtest/servers/sio-app.ts`)), "loadtest harness");
});
