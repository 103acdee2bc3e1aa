// `npm install` on a machine without a C++ toolchain must still succeed, say so in one line,
// and leave hyperio on the TypeScript twin; `npm run build:native` must fail loudly instead.
// The install script runs from a copy in a temporary package root, so the real build/ of
// this checkout is never touched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const script = join(__dirname, "..", "..", "scripts", "native", "install.js");

function runInstall(args: string[]): { status: number | null; stderr: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), "hyperio-install-"));
  mkdirSync(join(root, "scripts", "native"), { recursive: true });
  copyFileSync(script, join(root, "scripts", "native", "install.js"));
  const r = spawnSync(process.execPath, [join(root, "scripts", "native", "install.js"), ...args], {
    cwd: root,
    env: { ...process.env, CXX: join(root, "no-such-compiler"), HYPERIO_NO_NATIVE: "" },
    encoding: "utf8",
  });
  return { status: r.status, stderr: r.stderr, root };
}

test("install without a compiler succeeds with one line and leaves a marker for the loader", (t) => {
  const r = runInstall([]);
  t.after(() => rmSync(r.root, { recursive: true, force: true }));
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^hyperio: native addon not built \(no C\+\+ compiler .*\); running on the pure-TypeScript twin/);
  const marker = join(r.root, "build", "hyperio-native-skipped.txt");
  assert.ok(existsSync(marker));
  assert.match(readFileSync(marker, "utf8"), /no C\+\+ compiler/);
  assert.ok(!existsSync(join(r.root, "build", "Release", "hyperio_native.node")));
});

test("the strict build fails loudly without a compiler", (t) => {
  const r = runInstall(["--strict"]);
  t.after(() => rmSync(r.root, { recursive: true, force: true }));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /native addon build FAILED: no C\+\+ compiler/);
});
