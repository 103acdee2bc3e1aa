// Loads the native uWebSockets.js binary and refuses the package's silent JS shim.
//
// The pinned package (@trufflesuite/uws-js-unofficial) catches a failed binary load,
// prints a warning and hands back a slow pure-JS implementation. hyperio exists to be
// fast, so running on that shim by accident is the one failure we must never hide:
// we load the binary ourselves and throw unless the user opted into the shim.
import createDebug from "debug";
import type * as UWS from "uWebSockets.js";
import type { HyperioErrorCode } from "../errors";

const debug = createDebug("hyperio:engine:uws-loader");

/** Environment switch that lets hyperio run on the uWS JS shim (slow; for odd platforms only). */
export const ALLOW_SHIM_ENV = "HYPERIO_ALLOW_UWS_SHIM";

export type UwsModule = typeof UWS;

export interface LoadedUws {
  uws: UwsModule;
  /** true when running on the package's pure-JS fallback, never on the fast path. */
  isShim: boolean;
}

let cached: LoadedUws | undefined;

function binaryPath(): string {
  const { platform, arch } = process;
  return `uWebSockets.js/binaries/uws_${platform}_${arch}_${process.versions.modules}.node`;
}

/**
 * Returns the uWebSockets.js module, loading it once.
 * @throws Error with code `ERR_HYPERIO_UWS_SHIM` when the native binary does not load and
 * the shim was not explicitly allowed (option `allowUwsShim` or env `HYPERIO_ALLOW_UWS_SHIM=1`).
 */
export function loadUws(allowShim = process.env[ALLOW_SHIM_ENV] === "1"): LoadedUws {
  // The first load decides for the whole process: once a caller explicitly allowed the
  // shim (and the warning was printed), later callers (the engine attaching, the server
  // closing) get the same module rather than a contradictory refusal.
  if (cached) return cached;
  let uws: UwsModule;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    uws = require(binaryPath()) as UwsModule;
    cached = { uws, isShim: false };
    debug("loaded native uWS binary %s", binaryPath());
    return cached;
  } catch (err) {
    if (!allowShim) throw shimError(err as Error);
    process.emitWarning(
      `hyperio is running on the uWebSockets.js JS shim (${ALLOW_SHIM_ENV}=1): ` +
        "performance is far below the native build; do not benchmark this.",
      { code: "HYPERIO_UWS_SHIM" },
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    uws = require("uWebSockets.js/dist/index") as UwsModule;
    cached = { uws, isShim: true };
    return cached;
  }
}

function shimError(cause: Error | undefined): Error {
  const err = new Error(
    `hyperio: the native uWebSockets.js binary does not load on Node ${process.version} ` +
      `(${process.platform}-${process.arch}, ABI ${process.versions.modules})` +
      (cause ? `: ${cause.message.split("\n")[0]}` : "") +
      ". The pinned uWebSockets.js build ships binaries for Node 16, 18 and 20 (ABI 93, 108, 115): " +
      "run hyperio on Node 20, or attach it to a node:http server (new Server(httpServer)) which does not need uWS. " +
      `To run on the slow JS shim anyway, set ${ALLOW_SHIM_ENV}=1.`,
  ) as Error & { code: string };
  // ERR_ (not the HYPERIO_UWS_SHIM warning code emitted when the shim is allowed): see src/errors.ts.
  err.code = "ERR_HYPERIO_UWS_SHIM" satisfies HyperioErrorCode;
  return err;
}
