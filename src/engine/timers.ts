// Every timer the engine arms goes through one registry, so `engine.activeTimers` can prove
// that closed sessions leave nothing behind (and tests can assert it).
export class TimerRegistry {
  private readonly live = new Set<NodeJS.Timeout>();

  /** One-shot timer; it leaves the registry when it fires or is cleared. */
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout {
    const t: NodeJS.Timeout = setTimeout(() => {
      this.live.delete(t);
      fn();
    }, ms);
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
