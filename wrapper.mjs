// ESM entry point. The package is compiled to CommonJS; Node's CJS export detection
// sees every named export of dist/index.js, so re-exporting them all keeps this file
// from ever going stale when an export is added.
export * from "./dist/index.js";
