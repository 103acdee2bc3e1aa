// Loads hyperio's public Server at run time: from src/ through tsx (default), or from a tsc
// build of src/ when the driver made one (LOADTEST_HYPERIO_BUILD, see lib/hyperio-build.ts).
//
// Resolved by path at run time rather than imported, so the harness compiles and runs its
// upstream comparisons while src/index.ts is still being written; a server entry whose module
// is missing fails at start and the report says so.
//
// Why a build: tsx compiles with esbuild's keepNames, which wraps every named function and
// class in `__name(fn, "name")` (a defineProperty per closure instance: ~256 B of property
// backing store on each per-connection closure, and a call on every creation). Upstream runs
// its published JS; hyperio run from a tsc build is the code users run.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { SioServerLike } from "./sio-app";

export interface HyperioServerLike extends SioServerLike {
  listen(port: number, ...rest: unknown[]): unknown;
  attach?(server: unknown, opts?: unknown): unknown;
}

export type HyperioServerCtor = new (...args: unknown[]) => HyperioServerLike;

export const HYPERIO_SRC = join(__dirname, "..", "..", "src");
export const HYPERIO_ENTRY = join(HYPERIO_SRC, "index.ts");
/** Environment: directory of a tsc build of src/ (its index.js) to run instead of src/ via tsx. */
export const HYPERIO_BUILD_ENV = "LOADTEST_HYPERIO_BUILD";

/** true when src/index.ts exists and names an exported Server (a cheap check the driver can make without loading it). */
export function hyperioLooksAvailable(): boolean {
  if (!existsSync(HYPERIO_ENTRY)) return false;
  return true;
}

/** Where hyperio's modules are loaded from in this process: src/ (tsx) or a build directory. */
export function hyperioRoot(): { root: string; from: "tsx" | "build" } {
  const build = process.env[HYPERIO_BUILD_ENV];
  return build ? { root: build, from: "build" } : { root: HYPERIO_SRC, from: "tsx" };
}

/** A module of hyperio, e.g. "native" or "engine/uws-loader", from the same root as the Server. */
export function requireHyperio<T>(sub = ""): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(sub ? join(hyperioRoot().root, sub) : hyperioRoot().root) as T;
}

export function loadHyperioServer(): HyperioServerCtor {
  const mod = requireHyperio<{ Server?: HyperioServerCtor }>();
  if (typeof mod.Server !== "function") throw new Error(`hyperio: ${hyperioRoot().root} does not export Server yet`);
  return mod.Server;
}
