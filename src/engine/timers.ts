// Every timer the engine arms goes through one registry, so `engine.activeTimers` can prove
// that closed sessions leave nothing behind (and tests can assert it).
//
// Timers are armed with a plain function and one argument rather than a closure: a session
// keeps one armed for its whole life (the heartbeat), and the two closures per timer (ours
// and the caller's) with their contexts showed in every idle session's heap. The timer
// leaves the registry through `this`, which node binds to the Timeout it calls back.
export class TimerRegistry {
  private readonly live = new Set<NodeJS.Timeout>();

  /** One-shot timer; it leaves the registry when it fires or is cleared. */
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout {
    return this.setTimeoutWith(callNoArg, ms, fn);
  }

  /** One-shot timer calling `fn(arg)`; it leaves the registry when it fires or is cleared. */
  setTimeoutWith<A>(fn: (arg: A) => void, ms: number, arg: A): NodeJS.Timeout {
    const t = setTimeout(fireTracked, ms, this.live, fn, arg);
    this.live.add(t);
    return t;
  }

  setInterval(fn: () => void, ms: number): NodeJS.Timeout {
    const t = setInterval(fn, ms);
    this.live.add(t);
    return t;
  }

  /** Clears a timeout or interval; undefined is ignored. */
  clear(t: NodeJS.Timeout | undefined): void {
    if (t === undefined) return;
    clearTimeout(t);
    this.live.delete(t);
  }

  /** Number of timers armed and not yet fired or cleared. */
  get size(): number {
    return this.live.size;
  }
}

function fireTracked<A>(this: NodeJS.Timeout, live: Set<NodeJS.Timeout>, fn: (arg: A) => void, arg: A): void {
  live.delete(this);
  fn(arg);
}

function callNoArg(fn: () => void): void {
  fn();
}
