// ESM entry point. The package is compiled to CommonJS; Node's CJS export detection
// sees every named export of dist/src/index.js, so re-exporting them all keeps this file
// from ever going stale when an export is added. The default export is the callable
// module (`io(3000, opts)`), what `require("hyperio")` returns (dist/src/cjs-entry.js).
export * from "./dist/src/index.js";
export { default } from "./dist/src/cjs-entry.js";
