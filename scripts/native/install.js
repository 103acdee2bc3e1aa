#!/usr/bin/env node
// Builds hyperio's native addon (build/Release/hyperio_native.node) with node-gyp.
//
//   node scripts/native/install.js           the `install` script: never fails the install.
//                                            No toolchain or a failed build prints ONE line
//                                            and hyperio runs on the TypeScript twin.
//   node scripts/native/install.js --strict  `npm run build:native`: full compiler output,
//                                            non-zero exit on any failure.
//
// HYPERIO_NO_NATIVE=1 skips the build (non-strict mode only).
// Plain CommonJS on purpose: it runs at install time, before any TypeScript tooling exists.
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..");
const strict = process.argv.includes("--strict");
const addonPath = path.join(root, "build", "Release", "hyperio_native.node");
// Read by src/native/loader.ts to explain, at run time, why the twin is in use.
const skipMarker = path.join(root, "build", "hyperio-native-skipped.txt");
const logPath = path.join(root, "build", "hyperio-native-build.log");

function say(line) {
  process.stderr.write(`hyperio: ${line}\n`);
}

// Non-strict: one line, a marker for the loader, success exit code. Strict: loud failure.
function giveUp(reason, detail) {
  if (strict) {
    say(`native addon build FAILED: ${reason}`);
    if (detail) process.stderr.write(detail.endsWith("\n") ? detail : detail + "\n");
    process.exit(1);
  }
  fs.mkdirSync(path.dirname(skipMarker), { recursive: true });
  fs.writeFileSync(skipMarker, reason + "\n");
  if (detail) fs.writeFileSync(logPath, detail);
  say(
    `native addon not built (${reason}); running on the pure-TypeScript twin, which is slower. ` +
      "Run `npm run build:native` to see why.",
  );
  process.exit(0);
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

function hasCompiler() {
  if (process.platform === "win32") return true; // node-gyp finds MSVC itself
  const cxx = process.env.CXX || "c++";
  const probe = spawnSync(cxx, ["--version"], { stdio: "ignore" });
  const make = spawnSync("make", ["--version"], { stdio: "ignore" });
  if (probe.error || probe.status !== 0) return `no C++ compiler (${cxx}) found`;
  if (make.error || make.status !== 0) return "no `make` found";
  return true;
}

function main() {
  if (!strict && process.env.HYPERIO_NO_NATIVE === "1") {
    say("HYPERIO_NO_NATIVE=1: native addon not built; running on the pure-TypeScript twin.");
    return;
  }
  const compiler = hasCompiler();
  if (compiler !== true) return giveUp(compiler);
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) return giveUp("node-gyp not found");

  const args = [nodeGyp, "rebuild", "--release"];
  const nodedir = localNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  if (strict) {
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
    if (r.error || r.status !== 0) giveUp(`node-gyp exited with ${r.error ? r.error.message : r.status}`);
  } else {
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20, timeout: 10 * 60 * 1000 });
    const log = `${r.stdout || ""}${r.stderr || ""}`;
    if (r.error || r.status !== 0) {
      const last = log.split("\n").filter((l) => /error/i.test(l)).slice(0, 1)[0];
      return giveUp(`build failed${last ? `: ${last.trim().slice(0, 160)}` : ""}`, log);
    }
  }

  // A build that does not load is worse than none: the loader would warn on every start.
  try {
    const addon = require(addonPath);
    if (typeof addon.abiVersion !== "number") throw new Error("abiVersion export missing");
  } catch (err) {
    if (!strict) fs.rmSync(addonPath, { force: true });
    return giveUp(`built addon does not load: ${String(err && err.message).split("\n")[0]}`);
  }
  fs.rmSync(skipMarker, { force: true });
  say(`native addon built (${path.relative(root, addonPath)}).`);
}

main();
