import { record } from "./runtime.mjs";

export function check(value, sets) {
  let all = true;
  for (const name of Object.keys(sets)) {
    let ok = false;
    try {
      ok = Boolean(sets[name](value));
    } catch {
      ok = false;
    }
    record("checks", "rate", ok ? 1 : 0);
    if (!ok) console.error(`check failed: ${name}`);
    all &&= ok;
  }
  return all;
}

export function sleep(seconds) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
}
