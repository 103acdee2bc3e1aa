// Timers that keep the iteration alive while pending, as k6's event loop does.
import { hold, release } from "./runtime.mjs";

const live = new Map(); // shim id -> node handle
let nextId = 1;

function wrapTimeout(fn, ms, ...args) {
  const id = nextId++;
  hold();
  live.set(id, globalThis.setTimeout(() => {
    live.delete(id);
    try {
      fn(...args);
    } finally {
      release();
    }
  }, ms));
  return id;
}

function wrapInterval(fn, ms, ...args) {
  const id = nextId++;
  hold();
  live.set(id, globalThis.setInterval(() => fn(...args), ms));
  return id;
}

function clear(id) {
  const handle = live.get(id);
  if (handle === undefined) return;
  live.delete(id);
  globalThis.clearTimeout(handle);
  globalThis.clearInterval(handle);
  release();
}

export { wrapTimeout as setTimeout, wrapInterval as setInterval, clear as clearTimeout, clear as clearInterval };
