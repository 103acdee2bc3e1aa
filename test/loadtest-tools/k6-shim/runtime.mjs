// Per-VU state of the shim: metric samples and the count of pending async work (open
// sockets, timers), which tells when an iteration's event loop has drained, as in k6.
export const samples = new Map(); // metric name -> { type, values: number[] }
let pending = 0;
let idleWaiters = [];

export function record(name, type, value) {
  let metric = samples.get(name);
  if (!metric) samples.set(name, (metric = { type, values: [] }));
  metric.values.push(Number(value));
}

export function hold() {
  pending++;
}

export function release() {
  pending--;
  if (pending === 0) {
    // Let callbacks queued by the last release run (they may hold again) before declaring idle.
    setImmediate(() => {
      if (pending !== 0) return;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    });
  }
}

export function whenIdle() {
  if (pending === 0) return Promise.resolve();
  return new Promise((resolve) => idleWaiters.push(resolve));
}
