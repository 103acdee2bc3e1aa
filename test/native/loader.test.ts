// The loader picks the addon or the twin once, looks the addon up as node-gyp-build does
// (build/Release, then prebuilds/<platform>-<arch>), obeys the environment switches, says
// once through debug which one runs, and the public entry point exposes the same functions
// whichever it picked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findAddon } from "../../src/native/loader";
import { native } from "./impls";

const root = join(__dirname, "..", "..");

// Each case runs in a fresh process: the choice is made once per process.
function probe(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const script =
    'const n = require("./src/native");' +
    'console.log(JSON.stringify({ info: n.nativeInfo, rec: n.decodePayload(Buffer.from("4x\\x1ebAQ=="), 9, 99), plain: n.jsonStringIsPlain("a\\"") }));';
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    cwd: root,
    env: { ...process.env, HYPERIO_NO_NATIVE: "", HYPERIO_NATIVE_PATH: "", HYPERIO_REQUIRE_NATIVE: "", DEBUG: "", ...env },
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const EXPECTED = { rec: ["4x", { type: "Buffer", data: [1] }], plain: false };

test("HYPERIO_NO_NATIVE=1 forces the twin, silently", () => {
  const r = probe({ HYPERIO_NO_NATIVE: "1" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.info.native, false);
  assert.equal(got.info.source, "twin");
  assert.match(got.info.reason, /HYPERIO_NO_NATIVE=1/);
  assert.deepEqual({ rec: got.rec, plain: got.plain }, EXPECTED);
  assert.equal(r.stderr, "");
});

test("default choice uses the addon when it is built", { skip: native.skip }, () => {
  const r = probe({});
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.info.native, true);
  assert.equal(got.info.path, findAddon({})); // the probe clears HYPERIO_NATIVE_PATH
  assert.deepEqual({ rec: got.rec, plain: got.plain }, EXPECTED);
  assert.equal(r.stderr, "");
});

test("an addon that fails to load gives one warning line and the twin", () => {
  const r = probe({ HYPERIO_NATIVE_PATH: join(root, "package.json") });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.info.native, false);
  assert.match(got.info.reason, /failed to load/);
  assert.deepEqual({ rec: got.rec, plain: got.plain }, EXPECTED);
  const lines = r.stderr.split("\n").filter((l) => l.includes("HYPERIO_NATIVE_LOAD_FAILED"));
  assert.equal(lines.length, 1, r.stderr);
});

test("HYPERIO_REQUIRE_NATIVE=1 refuses to fall back", () => {
  const r = probe({ HYPERIO_REQUIRE_NATIVE: "1", HYPERIO_NATIVE_PATH: join(root, "does-not-exist.node") });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /native addon required/);
});

test("says once through debug (hyperio:native) which implementation runs, with its path", { skip: native.skip }, () => {
  const r = probe({ DEBUG: "hyperio:native", DEBUG_COLORS: "0" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  const lines = r.stderr.split("\n").filter((l) => l.includes("hyperio:native"));
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].includes(`running on the native addon, ${got.info.source}: ${got.info.path}`), lines[0]);
  const twin = probe({ DEBUG: "hyperio:native", DEBUG_COLORS: "0", HYPERIO_NO_NATIVE: "1" });
  assert.match(twin.stderr, /hyperio:native running on the TypeScript twin: disabled by HYPERIO_NO_NATIVE=1/);
});

test("lookup order: build/Release (built from source), then prebuilds/<platform>-<arch>, else none", (t) => {
  const root = mkdtempSync(join(tmpdir(), "hyperio-lookup-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "hyperio" }));
  const env = {};
  assert.equal(findAddon(env, root), undefined);
  const prebuilt = join(root, "prebuilds", `${process.platform}-${process.arch}`, "node.napi.node");
  mkdirSync(join(prebuilt, ".."), { recursive: true });
  writeFileSync(prebuilt, "");
  mkdirSync(join(root, "prebuilds", "otheros-otherarch"));
  writeFileSync(join(root, "prebuilds", "otheros-otherarch", "node.napi.node"), "");
  assert.equal(findAddon(env, root), prebuilt);
  const built = join(root, "build", "Release", "hyperio_native.node");
  mkdirSync(join(built, ".."), { recursive: true });
  writeFileSync(built, "");
  assert.equal(findAddon(env, root), built);
  assert.equal(findAddon({ HYPERIO_NATIVE_PATH: "/elsewhere/x.node" }, root), "/elsewhere/x.node");
});
