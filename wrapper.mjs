// ESM entry point. The package is compiled to CommonJS; Node's CJS export detection
// sees every named export of dist/index.js, so re-exporting them all keeps this file
// from ever going stale when an export is added. The default export is the callable
// module (`io(3000, opts)`), what `require("hyperio")` returns (dist/cjs-entry.js).
export * from "./dist/index.js";
export { default } from "./dist/cjs-entry.js";
