// One clock for every process of a run.
//
// process.hrtime reads CLOCK_MONOTONIC, which is system-wide on Linux: a server can stamp a
// message and a client in another process can subtract, with no wall-clock skew and
// sub-microsecond resolution. Numbers in microseconds stay exact in a double for years.

/** Monotonic time in microseconds, comparable across processes on this machine. */
export function nowUs(): number {
  const t = process.hrtime();
  return t[0] * 1e6 + t[1] / 1e3;
}

/** Whole microseconds, for stamping into messages (keeps frames short and digits-only). */
export function stampUs(): number {
  return Math.floor(nowUs());
}
