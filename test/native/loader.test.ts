// The loader picks the addon or the twin once, obeys the environment switches, and the
// public entry point exposes the same functions whichever it picked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { native } from "./impls";

const root = join(__dirname, "..", "..");

// Each case runs in a fresh process: the choice is made once per process.
function probe(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const script =
    'const n = require("./src/native"); const out = new Float64Array(6); n.scanPacketHeader("2/a,1[]", 10, out);' +
    'console.log(JSON.stringify({ info: n.nativeInfo, rec: n.decodePayload(Buffer.from("4x\\x1ebAQ=="), 9, 99), out: [...out] }));';
  const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    cwd: root,
    env: { ...process.env, HYPERIO_NO_NATIVE: "", HYPERIO_NATIVE_PATH: "", HYPERIO_REQUIRE_NATIVE: "", DEBUG: "", ...env },
    encoding: "utf8",
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const EXPECTED = { rec: ["4x", { type: "Buffer", data: [1] }], out: [2, 0, 1, 3, 1, 5] };

test("HYPERIO_NO_NATIVE=1 forces the twin, silently", () => {
  const r = probe({ HYPERIO_NO_NATIVE: "1" });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.info.native, false);
  assert.match(got.info.reason, /HYPERIO_NO_NATIVE=1/);
  assert.deepEqual({ rec: got.rec, out: got.out }, EXPECTED);
  assert.equal(r.stderr, "");
});

test("default choice uses the addon when it is built", { skip: native.skip }, () => {
  const r = probe({});
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.info.native, true);
  assert.deepEqual({ rec: got.rec, out: got.out }, EXPECTED);
  assert.equal(r.stderr, "");
});

test("an addon that fails to load gives one warning line and the twin", () => {
  const r = probe({ HYPERIO_NATIVE_PATH: join(root, "package.json") });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.info.native, false);
  assert.match(got.info.reason, /failed to load/);
  assert.deepEqual({ rec: got.rec, out: got.out }, EXPECTED);
  const lines = r.stderr.split("\n").filter((l) => l.includes("HYPERIO_NATIVE_LOAD_FAILED"));
  assert.equal(lines.length, 1, r.stderr);
});

test("HYPERIO_REQUIRE_NATIVE=1 refuses to fall back", () => {
  const r = probe({ HYPERIO_REQUIRE_NATIVE: "1", HYPERIO_NATIVE_PATH: join(root, "does-not-exist.node") });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /native addon required/);
});
