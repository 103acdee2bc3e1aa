// Picks the implementation of src/native once per process (per thread), in the order the
// ecosystem uses (node-gyp-build, as bufferutil and utf-8-validate do):
//   1. build/Release/*.node: a build from source (`npm run build:native`; a checkout's build);
//   2. prebuilds/<platform>-<arch>/node.napi[.<libc>].node: the binary the package ships
//      (`npm run build:prebuilt`, run by prepack), so `npm install` needs no compiler and no
//      install script;
//   3. the TypeScript twin, when neither exists for this platform or the file does not load.
// A file that loads must match this checkout's ABI (a stale build is refused).
//
// Environment:
// - HYPERIO_NO_NATIVE=1      force the twin
// - HYPERIO_NATIVE_PATH=...  load the addon from this path instead (the ASan build uses this)
// - HYPERIO_REQUIRE_NATIVE=1 throw instead of falling back (CI, ASan runs)
import { existsSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import createDebug from "debug";
import { codedError } from "../errors";
import { createNativeError } from "./errors";
import { NATIVE_ABI_VERSION, type NativeAddon, type NativeFunctions } from "./types";
import { twin } from "./twin";

const debug = createDebug("hyperio:native");

export const NO_NATIVE_ENV = "HYPERIO_NO_NATIVE";
export const NATIVE_PATH_ENV = "HYPERIO_NATIVE_PATH";
export const REQUIRE_NATIVE_ENV = "HYPERIO_REQUIRE_NATIVE";

/**
 * The package root, where build/ and prebuilds/ are: the nearest directory above this file
 * with a package.json (this file is src/native/ in the source tree, dist/src/native/ built).
 */
export const PACKAGE_ROOT = packageRootAbove(__dirname);

function packageRootAbove(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, "package.json"))) return d;
    if (dirname(d) === d) return join(__dirname, "..", "..");
  }
}

// node-gyp-build ships no types; `path(dir)` is the lookup above, throwing when nothing matches.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeGypBuild = require("node-gyp-build") as { path(dir: string): string };

/** Where the running implementation comes from. */
export type NativeSource = "prebuilt" | "built from source" | "twin";

/** Which implementation src/native runs on, and why. */
export interface NativeInfo {
  readonly native: boolean;
  /** `prebuilt` (a file under prebuilds/), `built from source` (any other file) or `twin`. */
  readonly source: NativeSource;
  readonly reason: string;
  /** The addon file loaded or tried; "" when there was none to try. */
  readonly path: string;
}

export interface LoadResult {
  functions: NativeFunctions;
  info: NativeInfo;
  /** The addon when it loaded, for tests and benchmarks that compare both. */
  addon: NativeAddon | undefined;
}

/**
 * The addon file for this platform, looked up as described at the top of this file, or
 * undefined when there is none. HYPERIO_NATIVE_PATH, when set, wins.
 */
export function findAddon(env: NodeJS.ProcessEnv = process.env, root: string = PACKAGE_ROOT): string | undefined {
  if (env[NATIVE_PATH_ENV]) return env[NATIVE_PATH_ENV];
  try {
    return nodeGypBuild.path(root);
  } catch {
    return undefined;
  }
}

/** Whether `path` is a binary shipped in the package's prebuilds/ (else a build from source). */
function sourceOf(path: string, root: string): NativeSource {
  const rel = relative(root, path);
  return rel.startsWith(`prebuilds${sep}`) ? "prebuilt" : "built from source";
}

/** Loads the addon at `path` and checks its ABI; throws a descriptive Error on failure. */
export function loadAddon(path: string): NativeAddon {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const addon = require(path) as NativeAddon;
  if (addon.abiVersion !== NATIVE_ABI_VERSION) {
    throw new Error(`ABI ${String(addon.abiVersion)} != expected ${NATIVE_ABI_VERSION} (stale build, rebuild with npm run build:native)`);
  }
  addon.setErrorFactory(createNativeError as (code: string, detail?: string) => Error);
  return addon;
}

function pick(env: NodeJS.ProcessEnv): LoadResult {
  const required = env[REQUIRE_NATIVE_ENV] === "1";
  const fallback = (reason: string, path: string): LoadResult => {
    if (required) throw codedError("ERR_HYPERIO_NATIVE_REQUIRED", `hyperio: native addon required (${REQUIRE_NATIVE_ENV}=1) but ${reason}`);
    return { functions: twin, info: { native: false, source: "twin", reason, path }, addon: undefined };
  };
  if (env[NO_NATIVE_ENV] === "1" && !required) {
    return fallback(`disabled by ${NO_NATIVE_ENV}=1`, "");
  }
  // No binary for this platform is an expected state (README: `npm run build:native`); a
  // file that exists but does not load is a broken build worth one warning.
  const path = findAddon(env);
  if (path === undefined) {
    return fallback(`no prebuilt binary for ${process.platform}-${process.arch} and none built from source (npm run build:native builds one)`, "");
  }
  try {
    const addon = loadAddon(path);
    const info: NativeInfo = { native: true, source: sourceOf(path, PACKAGE_ROOT), reason: `loaded ${path}`, path };
    return { functions: addon, info, addon };
  } catch (err) {
    const reason = `failed to load ${path}: ${(err as Error).message.split("\n")[0]}`;
    const result = fallback(reason, path);
    process.emitWarning(`hyperio: native addon ${reason}; running on the TypeScript twin`, {
      code: "HYPERIO_NATIVE_LOAD_FAILED",
    });
    return result;
  }
}

let loaded: LoadResult | undefined;

/** The implementation for this thread, chosen on first call (and said once through `debug`). */
export function load(env: NodeJS.ProcessEnv = process.env): LoadResult {
  if (loaded === undefined) {
    loaded = pick(env);
    const { source, path, reason } = loaded.info;
    if (source === "twin") debug("running on the TypeScript twin: %s", reason);
    else debug("running on the native addon, %s: %s", source, path);
  }
  return loaded;
}
