// hyperio must never run on the uWebSockets.js JS shim without saying so. The pinned
// package falls back to that shim when its binary does not match the running Node's ABI
// (Node 22 is ABI 127, for which it ships no binary). Each case runs in a child process
// that reports ABI 127 before anything loads, which makes the real binary lookup fail
// exactly as it does on Node 22.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

const root = join(__dirname, "..", "..");
const PRETEND_NODE_22 = 'Object.defineProperty(process.versions, "modules", { value: "127" });';

function runAsNode22(code: string, env: Record<string, string> = {}) {
  const script = `${PRETEND_NODE_22}\nrequire("tsx/cjs");\n${code}`;
  const res = spawnSync(process.execPath, ["-e", script], {
    cwd: root,
    env: { ...process.env, HYPERIO_ALLOW_UWS_SHIM: "", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

test("new Server(port) refuses the shim with a message naming the Node version and the fixes", () => {
  const r = runAsNode22(`
    const { Server } = require("./src/index.ts");
    try { new Server(0); console.log("STARTED"); process.exit(0); }
    catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message })); process.exit(3); }
  `);
  assert.equal(r.status, 3, r.stderr);
  const err = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(err.code, "ERR_HYPERIO_UWS_SHIM");
  assert.match(err.message, new RegExp(process.version.replace(/\./g, "\\.")));
  assert.match(err.message, /ABI 127/);
  assert.match(err.message, /Node 20/);
  assert.match(err.message, /HYPERIO_ALLOW_UWS_SHIM=1/);
  assert.match(err.message, /node:http/);
});

test("the engine alone refuses the shim too", () => {
  const r = runAsNode22(`
    const { Server } = require("./src/engine/index.ts");
    const engine = new Server();
    engine.listen(0).then(() => { console.log("STARTED"); process.exit(0); },
      (err) => { console.log(err.code); process.exit(3); });
    setTimeout(() => process.exit(4), 5000);
  `);
  // listen may throw synchronously or reject: either way it must not start.
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stdout + r.stderr, /HYPERIO_UWS_SHIM/);
});

test("attaching to a node:http server needs no uWS binary at all", () => {
  const r = runAsNode22(`
    const http = require("node:http");
    const { Server } = require("./src/index.ts");
    const httpServer = http.createServer();
    const io = new Server(httpServer);
    httpServer.listen(0, "127.0.0.1", async () => {
      const { port } = httpServer.address();
      const res = await fetch("http://127.0.0.1:" + port + "/socket.io/?EIO=4&transport=polling");
      console.log("STATUS", res.status);
      io.close(); httpServer.close(); process.exit(0);
    });
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /STATUS 200/);
});

test("HYPERIO_ALLOW_UWS_SHIM=1 runs on the shim, with a loud warning", () => {
  const r = runAsNode22(
    `
    const { loadUws } = require("./src/engine/uws-loader.ts");
    const { isShim } = loadUws();
    console.log("SHIM", isShim);
  `,
    { HYPERIO_ALLOW_UWS_SHIM: "1" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /SHIM true/);
  assert.match(r.stderr, /HYPERIO_UWS_SHIM/);
  assert.match(r.stderr, /do not benchmark/);
});
