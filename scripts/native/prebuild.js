#!/usr/bin/env node
// Builds the prebuilt binary the package ships: prebuilds/<platform>-<arch>/node.napi[.<libc>].node,
// the layout prebuildify writes and node-gyp-build (src/native/loader.ts) looks up. N-API, so one
// file serves every Node from 20 on. Runs in `prepack`, so `npm pack` / `npm publish` from a
// checkout always carry a binary built from the sources they pack.
//
//   npm run build:prebuilt            build unless the binary is newer than every source file
//   npm run build:prebuilt -- --force build anyway
//   node scripts/native/prebuild.js --optional
//                                     `prepare` (npm install in a checkout or from git): a failed
//                                     build is reported and the install goes on, on the twin
//
// Stripped of symbols when `strip` is there (as prebuildify --strip does): about half the size.
// Plain CommonJS, like build.js.
"use strict";

const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..", "..");

/** The libc tag node-gyp-build matches on Linux (musl on Alpine, glibc elsewhere). */
function libcTag() {
  if (process.platform !== "linux") return "";
  return fs.existsSync("/etc/alpine-release") ? ".musl" : ".glibc";
}

const out = path.join(root, "prebuilds", `${process.platform}-${os.arch()}`, `node.napi${libcTag()}.node`);

/** Every file the binary is built from: binding.gyp, native/src, the build scripts, node-addon-api. */
function sources() {
  const files = [path.join(root, "binding.gyp"), path.join(__dirname, "build.js"), __filename];
  const src = path.join(root, "native", "src");
  for (const name of fs.readdirSync(src)) files.push(path.join(src, name));
  try {
    files.push(require.resolve("node-addon-api/package.json", { paths: [root] }));
  } catch {
    // build.js reports a missing node-addon-api
  }
  return files;
}

function upToDate() {
  let built;
  try {
    built = fs.statSync(out).mtimeMs;
  } catch {
    return false;
  }
  return sources().every((f) => fs.statSync(f).mtimeMs <= built);
}

function main() {
  const rel = path.relative(root, out);
  if (!process.argv.includes("--force") && upToDate()) {
    process.stderr.write(`hyperio: ${rel} is up to date.\n`);
    return;
  }
  const r = spawnSync(process.execPath, [path.join(__dirname, "build.js"), `--out=${out}`], { stdio: "inherit" });
  if (r.status !== 0) {
    if (!process.argv.includes("--optional")) process.exit(r.status ?? 1);
    process.stderr.write("hyperio: no native binary built (see above); hyperio runs on its TypeScript twin until `npm run build:native` succeeds.\n");
    return;
  }
  if (process.platform !== "win32" && process.platform !== "darwin") {
    // strip works on a copy and renames it over the binary, for the same reason build.js does.
    const tmp = `${out}.strip-${process.pid}`;
    fs.copyFileSync(out, tmp);
    const s = spawnSync("strip", ["--strip-unneeded", tmp], { stdio: "inherit" });
    if (s.status === 0) fs.renameSync(tmp, out);
    else fs.rmSync(tmp, { force: true });
  }
  process.stderr.write(`hyperio: prebuilt binary ${rel} (${fs.statSync(out).size} bytes).\n`);
}

main();
