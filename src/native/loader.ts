// Picks the implementation of src/native once per process (per thread): the compiled
// addon when it loads and matches this checkout's ABI, else the TypeScript twin.
//
// Environment:
// - HYPERIO_NO_NATIVE=1      force the twin
// - HYPERIO_NATIVE_PATH=...  load the addon from another path (the ASan build uses this)
// - HYPERIO_REQUIRE_NATIVE=1 throw instead of falling back (CI, ASan runs)
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import createDebug from "debug";
import { codedError } from "../errors";
import { createNativeError } from "./errors";
import { NATIVE_ABI_VERSION, type NativeAddon, type NativeFunctions } from "./types";
import { twin } from "./twin";

const debug = createDebug("hyperio:native");

export const NO_NATIVE_ENV = "HYPERIO_NO_NATIVE";
export const NATIVE_PATH_ENV = "HYPERIO_NATIVE_PATH";
export const REQUIRE_NATIVE_ENV = "HYPERIO_REQUIRE_NATIVE";

/** Where `npm install` / `npm run build:native` put the addon (same from src/ and dist/). */
export const DEFAULT_ADDON_PATH = join(__dirname, "..", "..", "build", "Release", "hyperio_native.node");

/** Written by scripts/native/install.js when it could not build the addon (holds the reason). */
const SKIP_MARKER = join(__dirname, "..", "..", "build", "hyperio-native-skipped.txt");

function skippedReason(): string | undefined {
  try {
    return readFileSync(SKIP_MARKER, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Which implementation src/native runs on, and why. */
export interface NativeInfo {
  readonly native: boolean;
  readonly reason: string;
  /** Path of the addon that was tried. */
  readonly path: string;
}

export interface LoadResult {
  functions: NativeFunctions;
  info: NativeInfo;
  /** The addon when it loaded, for tests and benchmarks that compare both. */
  addon: NativeAddon | undefined;
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
  const explicitPath = env[NATIVE_PATH_ENV];
  const path = explicitPath || DEFAULT_ADDON_PATH;
  const required = env[REQUIRE_NATIVE_ENV] === "1";
  const fallback = (reason: string): LoadResult => {
    if (required) throw codedError("ERR_HYPERIO_NATIVE_REQUIRED", `hyperio: native addon required (${REQUIRE_NATIVE_ENV}=1) but ${reason}`);
    return { functions: twin, info: { native: false, reason, path }, addon: undefined };
  };
  if (env[NO_NATIVE_ENV] === "1" && !required) {
    return fallback(`disabled by ${NO_NATIVE_ENV}=1`);
  }
  // A missing file is the expected state when the install found no toolchain (it said so
  // then); a file that exists but does not load is a broken build worth one notice.
  if (!explicitPath && !existsSync(path)) {
    const skipped = skippedReason();
    return fallback(skipped ? `not built at install: ${skipped}` : `not built (${path} missing)`);
  }
  try {
    const addon = loadAddon(path);
    return { functions: addon, info: { native: true, reason: `loaded ${path}`, path }, addon };
  } catch (err) {
    const reason = `failed to load ${path}: ${(err as Error).message.split("\n")[0]}`;
    const result = fallback(reason);
    process.emitWarning(`hyperio: native addon ${reason}; running on the TypeScript twin`, {
      code: "HYPERIO_NATIVE_LOAD_FAILED",
    });
    return result;
  }
}

let loaded: LoadResult | undefined;

/** The implementation for this thread, chosen on first call. */
export function load(env: NodeJS.ProcessEnv = process.env): LoadResult {
  if (loaded === undefined) {
    loaded = pick(env);
    debug("using %s: %s", loaded.info.native ? "native addon" : "TypeScript twin", loaded.info.reason);
  }
  return loaded;
}
