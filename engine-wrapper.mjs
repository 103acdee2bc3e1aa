// ESM entry point for `hyperio/engine` (see wrapper.mjs for why this is a plain re-export).
export * from "./dist/src/engine/index.js";
