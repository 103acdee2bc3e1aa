// Smoke run of loadtest/burst-drain.ts (issue 10's ioThreads measurements), small: the paused
// clients must get every burst message once and in order after they resume (their reads are
// stopped on the socket handle and restarted), and the fixed-rate mode must deliver every
// broadcast and print its MODEL section for hyperio-tN servers. No timing is asserted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { buildHyperio } from "../../loadtest/lib/hyperio-build";

const ROOT = join(__dirname, "..", "..");

function burstDrain(args: string[]): string {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "loadtest", "burst-drain.ts"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120000,
  });
  assert.equal(r.status, 0, `burst-drain failed: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** The table rows of one server: its "delivered once, in order" cell is the last one. */
function rowOf(out: string, server: string): string[] {
  const line = out.split("\n").find((l) => l.startsWith(`| ${server} |`));
  assert.ok(line, `no row for ${server} in:\n${out}`);
  return line.split("|").map((c) => c.trim()).filter((c) => c !== "");
}

test("burst-drain: burst and fixed rate deliver every message once, in order", { timeout: 300000 }, () => {
  // Built under loadtest/results/ (the default): the build resolves its dependencies from the
  // repository's node_modules.
  const build = buildHyperio().dir;
  try {
    const burst = burstDrain(["--clients", "200", "--burst", "5", "--repeat", "1", "--servers", "hyperio,hyperio-t2,bare-uws", "--build", build]);
    for (const s of ["hyperio", "hyperio-t2", "bare-uws"]) assert.equal(rowOf(burst, s).at(-1), "yes", burst);
    const rate = burstDrain(["--clients", "200", "--rate", "20", "--seconds", "1", "--repeat", "1", "--servers", "hyperio,hyperio-t1,hyperio-t2", "--build", build]);
    for (const s of ["hyperio", "hyperio-t1", "hyperio-t2"]) assert.equal(rowOf(rate, s).at(-1), "yes", rate);
    assert.match(rate, /MODEL \(not measured/);
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
});
