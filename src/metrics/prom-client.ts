// Loads prom-client, an optional peer dependency, only when the application asks for the
// Prometheus exporter: hyperio itself never requires it.
import type * as PromClient from "prom-client";
import { invalidOption } from "../errors";

export type { PromClient };

let loaded: typeof PromClient | undefined;

/** prom-client, or an error saying how to install it. */
export function loadPromClient(): typeof PromClient {
  if (loaded !== undefined) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require("prom-client") as typeof PromClient;
  } catch (err) {
    const e = invalidOption("metrics", "needs the optional peer dependency prom-client (npm install prom-client)");
    (e as Error & { cause?: unknown }).cause = err;
    throw e;
  }
  return loaded;
}
