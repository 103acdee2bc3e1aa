// `npm run build:native` (scripts/native/build.js) fails loudly without a C++ toolchain and
// leaves whatever addon was there in place. Nothing runs it at install time: the package
// ships a prebuilt binary (test/package/install-prebuilt.test.ts). The script runs from a
// copy in a temporary package root, so the real build/ of this checkout is never touched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const script = join(__dirname, "..", "..", "scripts", "native", "build.js");

test("the build fails loudly without a compiler and leaves the previous addon alone", (t) => {
  const root = mkdtempSync(join(tmpdir(), "hyperio-build-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "scripts", "native"), { recursive: true });
  copyFileSync(script, join(root, "scripts", "native", "build.js"));
  const previous = join(root, "build", "Release", "hyperio_native.node");
  mkdirSync(join(root, "build", "Release"), { recursive: true });
  writeFileSync(previous, "previous build");
  const r = spawnSync(process.execPath, [join(root, "scripts", "native", "build.js")], {
    cwd: root,
    env: { ...process.env, CXX: join(root, "no-such-compiler") },
    encoding: "utf8",
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^hyperio: native addon build FAILED: no C\+\+ compiler/);
  assert.equal(readFileSync(previous, "utf8"), "previous build");
});
