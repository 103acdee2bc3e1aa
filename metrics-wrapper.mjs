// ESM entry point for `hyperio/metrics` (see wrapper.mjs for why this is a plain re-export).
export * from "./dist/src/metrics/index.js";
