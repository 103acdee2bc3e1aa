// Loads hyperio's public Server from src/ at run time.
//
// Resolved by path at run time rather than imported, so the harness compiles and runs its
// upstream comparisons while src/index.ts is still being written; a server entry whose module
// is missing fails at start and the report says so.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { SioServerLike } from "./sio-app";

export interface HyperioServerLike extends SioServerLike {
  listen(port: number, ...rest: unknown[]): unknown;
  attach?(server: unknown, opts?: unknown): unknown;
}

export type HyperioServerCtor = new (...args: unknown[]) => HyperioServerLike;

export const HYPERIO_ENTRY = join(__dirname, "..", "..", "src", "index.ts");

/** true when src/index.ts exists and names an exported Server (a cheap check the driver can make without loading it). */
export function hyperioLooksAvailable(): boolean {
  if (!existsSync(HYPERIO_ENTRY)) return false;
  return true;
}

export function loadHyperioServer(): HyperioServerCtor {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(__dirname, "..", "..", "src")) as { Server?: HyperioServerCtor };
  if (typeof mod.Server !== "function") throw new Error("hyperio: src/index.ts does not export Server yet");
  return mod.Server;
}
