#!/usr/bin/env node
// Builds hyperio's native addon from source with node-gyp.
//
//   node scripts/native/build.js                 `npm run build:native`: build/Release/hyperio_native.node
//   node scripts/native/build.js --out=FILE      the same build, put at FILE (scripts/native/prebuild.js)
//
// Loud on purpose: full compiler output, non-zero exit on any failure. Nothing runs this at
// install time: the package ships a prebuilt binary (prebuilds/), and a platform without one
// runs on the TypeScript twin until its user runs `npm run build:native` (see README.md).
//
// The build happens in a private copy of the sources (node-gyp always writes ./build and
// `rebuild` wipes it first) and the result is moved over FILE with one rename, after it was
// loaded in a child process. So FILE is never missing or half-written, and processes that
// have the previous binary loaded keep their mapping of the old file.
// Plain CommonJS on purpose: it must run before any TypeScript tooling exists.
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..");
const DEFAULT_OUT = path.join(root, "build", "Release", "hyperio_native.node");

function fail(reason, detail) {
  process.stderr.write(`hyperio: native addon build FAILED: ${reason}\n`);
  if (detail) process.stderr.write(detail.endsWith("\n") ? detail : detail + "\n");
  process.exit(1);
}

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  try {
    candidates.push(require.resolve("node-gyp/bin/node-gyp.js", { paths: [root] }));
  } catch {
    // not a local dependency: fall through to the copy bundled with npm
  }
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  candidates.push(path.join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  candidates.push(path.join(path.dirname(process.execPath), "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  return candidates.find((p) => fs.existsSync(p));
}

// Node's own headers when installed next to the binary: lets the build work offline
// without npm passing npm_config_nodedir.
function localNodeDir() {
  if (process.env.npm_config_nodedir) return undefined;
  const prefix = path.resolve(path.dirname(process.execPath), "..");
  return fs.existsSync(path.join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
}

/** undefined when the toolchain node-gyp needs is there, else what is missing. */
function missingToolchain() {
  if (process.platform === "win32") return undefined; // node-gyp finds MSVC itself
  const cxx = process.env.CXX || "c++";
  const probe = spawnSync(cxx, ["--version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) return `no C++ compiler (${cxx}) found`;
  const make = spawnSync("make", ["--version"], { stdio: "ignore" });
  if (make.error || make.status !== 0) return "no `make` found";
  return undefined;
}

/** Loads the addon in a child process: a build that does not load must not replace one that does. */
function checkLoads(file) {
  const code = `const a = require(${JSON.stringify(file)}); if (typeof a.abiVersion !== "number") throw new Error("abiVersion export missing");`;
  const r = spawnSync(process.execPath, ["-e", code], { encoding: "utf8" });
  if (r.status !== 0) fail(`built addon does not load: ${(r.stderr || "").trim().split("\n").slice(-1)[0]}`);
}

function main() {
  const outArg = process.argv.find((a) => a.startsWith("--out="));
  const out = path.resolve(outArg ? outArg.slice("--out=".length) : DEFAULT_OUT);
  const missing = missingToolchain();
  if (missing) fail(missing);
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) fail("node-gyp not found");

  // Inside the package root so node-addon-api (binding.gyp's include_dirs) resolves as it
  // would from the root itself.
  fs.mkdirSync(path.join(root, "build"), { recursive: true });
  const staging = fs.mkdtempSync(path.join(root, "build", ".staging-"));
  try {
    fs.copyFileSync(path.join(root, "binding.gyp"), path.join(staging, "binding.gyp"));
    fs.cpSync(path.join(root, "native", "src"), path.join(staging, "native", "src"), { recursive: true });
    const args = [nodeGyp, "rebuild", "--release", `--jobs=${process.env.JOBS || "2"}`];
    const nodedir = localNodeDir();
    if (nodedir) args.push(`--nodedir=${nodedir}`);
    const r = spawnSync(process.execPath, args, { cwd: staging, stdio: "inherit" });
    if (r.error || r.status !== 0) fail(`node-gyp exited with ${r.error ? r.error.message : r.status}`);
    const built = path.join(staging, "build", "Release", "hyperio_native.node");
    checkLoads(built);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const next = `${out}.next-${process.pid}`; // not *.node: node-gyp-build never picks it up
    fs.copyFileSync(built, next);
    fs.renameSync(next, out);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  process.stderr.write(`hyperio: native addon built (${path.relative(process.cwd(), out) || out}).\n`);
}

main();
