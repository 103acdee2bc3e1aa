// Module resolution hook: maps the k6 built-in modules the load scripts import onto the
// Node stand-ins in this directory.
const SHIMS = {
  k6: "./k6.mjs",
  "k6/http": "./http.mjs",
  "k6/metrics": "./metrics.mjs",
  "k6/timers": "./timers.mjs",
  "k6/websockets": "./websockets.mjs",
};

export async function resolve(specifier, context, next) {
  if (Object.hasOwn(SHIMS, specifier)) return { url: new URL(SHIMS[specifier], import.meta.url).href, shortCircuit: true };
  if (specifier.startsWith("k6/")) throw new Error(`k6 shim: module ${specifier} is not emulated`);
  return next(specifier, context);
}
