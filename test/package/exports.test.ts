// The built package (dist/, produced by `npm run build`, which `npm test` runs first) must
// load both ways a user writes it: require("hyperio") and import from "hyperio", and the
// same for the `hyperio/engine` subpath. Run in child processes so the package resolves
// through its own package.json "exports", exactly as it does for a user.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..", "..");

function run(code: string, type: "commonjs" | "module"): string {
  const args = type === "module" ? ["--input-type=module", "-e", code] : ["-e", code];
  return execFileSync(process.execPath, args, { cwd: root, encoding: "utf8" }).trim();
}

test("dist/ is built (npm test builds it first)", () => {
  assert.ok(existsSync(join(root, "dist", "index.js")), "run `npm run build` first");
});

test('require("hyperio") exposes Server', () => {
  assert.equal(run('console.log(typeof require("hyperio").Server)', "commonjs"), "function");
});

test('import { Server } from "hyperio" works', () => {
  assert.equal(run('import { Server } from "hyperio"; console.log(typeof Server)', "module"), "function");
});

test('"hyperio/engine" loads both ways', () => {
  assert.equal(run('console.log(typeof require("hyperio/engine").Server)', "commonjs"), "function");
  assert.equal(run('import { Server } from "hyperio/engine"; console.log(typeof Server)', "module"), "function");
});
