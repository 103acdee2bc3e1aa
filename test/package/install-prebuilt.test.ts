// `npm install hyperio` gets the native addon without a compiler and without install
// scripts: the tarball `npm pack` makes carries prebuilds/<platform>-<arch>/, hyperio's
// package.json has no install script (and `gypfile: false`, so npm adds no `node-gyp
// rebuild`), and once installed into an empty project (scripts off, no g++ / make /
// python3 on PATH) a server answers the official client on the prebuilt binary.
//
// `npm pack` runs prepack (`npm run build && npm run build:prebuilt`); here dist/ was built
// by `npm test`'s first step, so the test runs the prebuild step itself (a no-op when the
// binary is newer than its sources) and packs with --ignore-scripts. Dependencies come
// from the npm cache first (--prefer-offline): the registry is only asked about misses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { arch, platform, tmpdir } from "node:os";
import { dirname, join } from "node:path";

const root = join(__dirname, "..", "..");
const npmCli = join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "bin", "npm-cli.js");
const supported = platform() === "linux" && arch() === "x64" && !existsSync("/etc/alpine-release");
const PREBUILT = join("prebuilds", "linux-x64", "node.napi.glibc.node");

/** The environment of a machine without a toolchain: PATH holds node alone, no npm_* or HYPERIO_* leftovers. */
function bareEnv(bin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("npm_") && !k.startsWith("HYPERIO_") && k !== "DEBUG" && k !== "NODE_OPTIONS") env[k] = v;
  }
  return { ...env, PATH: bin, CXX: "", CC: "" };
}

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [npmCli, ...args], { cwd, env, encoding: "utf8", timeout: 240_000 });
  assert.equal(r.status, 0, `npm ${args.join(" ")}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// A server on the packed hyperio and socket.io-client (a dependency of hyperio, so installed
// with it): a WebSocket client emits with an ack, a polling client emits a 20 KiB non-ASCII
// string, whose POST body is large enough for the native decoder.
const PROBE = `
const hyperio = require("hyperio");
const { io: connect } = require("socket.io-client");
const io = hyperio(0, { serveClient: false });
io.on("connection", (socket) => socket.on("echo", (s, ack) => ack(s.length)));
const url = "http://127.0.0.1:" + io.httpServer.address().port;
const ask = (transports, s) => new Promise((resolve, reject) => {
  const client = connect(url, { transports, reconnection: false });
  client.on("connect_error", reject);
  client.emit("echo", s, (n) => { client.close(); resolve(n); });
});
(async () => {
  const ws = await ask(["websocket"], "hello");
  const polling = await ask(["polling"], "é".repeat(20000));
  io.close(() => console.log(JSON.stringify({ nativeInfo: hyperio.nativeInfo, ws, polling })));
})().catch((err) => { console.error(err); process.exit(1); });
`;

test("npm pack + npm install into an empty project without a compiler: the prebuilt addon runs", { skip: !supported && "prebuilds are made for linux-x64 glibc", timeout: 300_000 }, (t) => {
  assert.ok(existsSync(join(root, "dist", "src", "index.js")), "run `npm run build` first (npm test does)");
  execFileSync(process.execPath, [join(root, "scripts", "native", "prebuild.js")], { cwd: root, stdio: "pipe" });

  const work = mkdtempSync(join(tmpdir(), "hyperio-pack-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const bin = join(work, "bin");
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, "node"));
  const env = bareEnv(bin);
  for (const tool of ["g++", "c++", "make", "python3"]) {
    assert.equal(spawnSync(tool, ["--version"], { env }).error?.message.includes("ENOENT"), true, `${tool} is reachable`);
  }

  // The tarball: the prebuilt binary in, no build/, no install script.
  const [packed] = JSON.parse(npm(["pack", "--json", "--ignore-scripts", "--pack-destination", work], root, env)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  const files = packed.files.map((f) => f.path);
  assert.ok(files.includes(PREBUILT.split("\\").join("/")), files.join("\n"));
  assert.ok(!files.some((f) => f.startsWith("build/")), "build/ is not packed");
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string>; gypfile?: boolean };
  for (const s of ["preinstall", "install", "postinstall"]) assert.equal(manifest.scripts[s], undefined, `package.json has a ${s} script`);
  assert.equal(manifest.gypfile, false);

  // An empty project installs it with every install script off.
  const project = join(work, "project");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "probe", version: "1.0.0", private: true }));
  npm(["install", join(work, packed.filename), "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"], project, env);
  const installed = join(project, "node_modules", "hyperio");
  assert.ok(!existsSync(join(installed, "build")), "nothing was built at install");
  const lock = JSON.parse(readFileSync(join(project, "package-lock.json"), "utf8")) as {
    packages: Record<string, { hasInstallScript?: boolean }>;
  };
  assert.equal(lock.packages["node_modules/hyperio"].hasInstallScript, undefined);

  // A server and the official client, on the prebuilt binary, said once through debug.
  writeFileSync(join(project, "probe.js"), PROBE);
  const run = spawnSync(process.execPath, ["probe.js"], {
    cwd: project,
    env: { ...env, DEBUG: "hyperio:native", DEBUG_COLORS: "0", HYPERIO_REQUIRE_NATIVE: "1" },
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const out = JSON.parse(run.stdout) as { nativeInfo: { native: boolean; source: string; path: string }; ws: number; polling: number };
  assert.deepEqual({ ws: out.ws, polling: out.polling }, { ws: 5, polling: 20000 });
  assert.equal(out.nativeInfo.native, true);
  assert.equal(out.nativeInfo.source, "prebuilt");
  assert.equal(out.nativeInfo.path, join(installed, PREBUILT));
  const said = run.stderr.split("\n").filter((l) => l.includes("hyperio:native"));
  assert.equal(said.length, 1, run.stderr);
  assert.ok(said[0].includes(`running on the native addon, prebuilt: ${join(installed, PREBUILT)}`), said[0]);
});
