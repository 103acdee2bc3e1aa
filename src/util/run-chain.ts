// The one middleware-chain runner: the engine's connect-style `(req, res, next)` chain, the
// namespace's `(socket, next)` chain and the socket's per-packet `(event, next)` chain all
// run through it, so they agree on what ends a chain. It depends on nothing (any layer may
// use it).

/** What a chain step calls to go on (no argument) or to stop the chain (an error). */
export type ChainNext<E> = (err?: E) => void;

/**
 * Runs `steps` in order, each called as `step(...args, next)`. `done` is called exactly
 * once: with the first error, or with none after the last step. A step's error is what it
 * passes to `next` (a falsy value goes on), or `asError` of what it throws or of what the
 * promise it returns rejects with (any value, even a falsy one, stops the chain). A step
 * calling `next` twice, or calling it and then throwing, counts once. The list is read as
 * it was when the run started (a step added meanwhile waits for the next run).
 */
export function runChain<A extends unknown[], E>(
  steps: ReadonlyArray<(...args: [...A, ChainNext<E>]) => unknown>,
  args: A,
  asError: (thrown: unknown) => E,
  done: (err?: E) => void,
): void {
  const n = steps.length;
  if (n === 0) return done();
  const list = steps.slice();
  const step = (i: number): void => {
    let settled = false;
    const next: ChainNext<E> = (err) => {
      if (settled) return;
      settled = true;
      if (err) done(err);
      else if (i + 1 === n) done();
      else step(i + 1);
    };
    // A throw or a rejection stops the chain whatever its value (even a falsy one).
    const fail = (thrown: unknown): void => {
      if (settled) return;
      settled = true;
      done(asError(thrown));
    };
    try {
      const out = list[i](...args, next);
      if (out !== null && typeof out === "object" && typeof (out as PromiseLike<unknown>).then === "function") {
        (out as PromiseLike<unknown>).then(undefined, fail);
      }
    } catch (err) {
      fail(err);
    }
  };
  step(0);
}

/** `asError` for chains whose errors are Error objects: non-Errors are wrapped. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(thrown === undefined || thrown === null ? "middleware failed" : String(thrown));
}
