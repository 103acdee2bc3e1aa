// Every timer the engine arms goes through one registry, so `engine.activeTimers` can prove
// that closed sessions leave nothing behind (and tests can assert it).
//
// Two kinds:
// - Timeouts (`setTimeout`, `setTimeoutWith`, `setInterval`): rare timers (upgrade, polling
//   close). Armed with a plain function and one argument rather than a closure; the timer
//   leaves the registry through `this`, which node binds to the Timeout it calls back.
// - Deadlines (`arm`, `disarm`): the heartbeat, which every session keeps armed for its
//   whole life. A node Timeout per session (with its argument array and two heap numbers)
//   was ~200 B of every idle session's heap. A deadline is five fields on its holder
//   instead, in a FIFO list per delay: every deadline of one list is "armed time + the same
//   delay", so appending keeps the list sorted, and one Timeout per list (for its head)
//   serves every holder. This is what node does internally per duration, minus the object
//   per timer.
//
// Invariants: a holder is in at most one list at a time (`dlList` says which); a list's
// Timeout is armed exactly while the list is non-empty, for its head's due time; a holder
// is unlinked before its callback runs, so the callback may re-arm it.
import { performance } from "node:perf_hooks";

/** Callback of a deadline: a plain function taking the holder (no closure per arm). */
export type DeadlineFn<H> = (holder: H) => void;

/**
 * An object that can carry one armed deadline: the fields live on it (intrusive links), so
 * arming allocates nothing. Initialise them all in the holder's constructor (one shape).
 */
export interface DeadlineHolder {
  /** @internal */ dlNext: DeadlineHolder | undefined;
  /** @internal */ dlPrev: DeadlineHolder | undefined;
  /** @internal due time, whole ms of `performance.now()` (a small integer: no heap number). */
  dlAt: number;
  /** @internal */ dlFn: DeadlineFn<any> | undefined;
  /** @internal */ dlList: DeadlineList | undefined;
}

/** Every holder armed with one delay, in due order, and the one Timeout for its head. */
class DeadlineList {
  head: DeadlineHolder | undefined = undefined;
  tail: DeadlineHolder | undefined = undefined;
  /** Armed while the list is non-empty (and still set while its callbacks run). */
  timer: NodeJS.Timeout | undefined = undefined;

  constructor(readonly ms: number) {}
}

/** Current time in whole ms (the clock of `dlAt`). */
function nowMs(): number {
  return Math.floor(performance.now());
}

export class TimerRegistry {
  private readonly live = new Set<NodeJS.Timeout>();
  private readonly lists = new Map<number, DeadlineList>();
  private armed = 0;

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

  /**
   * Arms `holder`'s deadline: `fn(holder)` runs once, `ms` from now, unless disarmed or
   * re-armed first. Re-arming replaces any deadline the holder had (as Timeout#refresh
   * restarts a timer).
   */
  arm<H extends DeadlineHolder>(holder: H, fn: DeadlineFn<H>, ms: number): void {
    this.disarm(holder);
    // node runs a 0 ms timer after 1 ms; a due time in the past would fire in a loop.
    const delay = ms >= 1 ? Math.floor(ms) : 1;
    let list = this.lists.get(delay);
    if (list === undefined) {
      list = new DeadlineList(delay);
      this.lists.set(delay, list);
    }
    holder.dlAt = nowMs() + delay;
    holder.dlFn = fn;
    holder.dlList = list;
    holder.dlNext = undefined;
    holder.dlPrev = list.tail;
    if (list.tail === undefined) list.head = holder;
    else list.tail.dlNext = holder;
    list.tail = holder;
    this.armed++;
    if (list.timer === undefined) this.armList(list, holder.dlAt);
  }

  /** Removes `holder`'s deadline, if armed. */
  disarm(holder: DeadlineHolder): void {
    const list = holder.dlList;
    if (list === undefined) return;
    const { dlPrev: prev, dlNext: next } = holder;
    if (prev === undefined) list.head = next;
    else prev.dlNext = next;
    if (next === undefined) list.tail = prev;
    else next.dlPrev = prev;
    holder.dlNext = holder.dlPrev = undefined;
    holder.dlFn = undefined;
    holder.dlList = undefined;
    this.armed--;
    // An empty list keeps no Timeout (the process may exit); a list whose head moved later
    // keeps its Timeout, which re-arms for the new head when it fires.
    if (list.head === undefined) this.stopList(list);
  }

  /** Number of timers and deadlines armed and not yet fired or cleared. */
  get size(): number {
    return this.live.size + this.armed;
  }

  private armList(list: DeadlineList, at: number): void {
    list.timer = setTimeout(fireList, Math.max(1, at - nowMs()), this, list);
  }

  private stopList(list: DeadlineList): void {
    if (list.timer !== undefined) clearTimeout(list.timer);
    list.timer = undefined;
    // Lists are per delay (a handful per server); dropping an empty one bounds the map
    // even if the delays in use change over time.
    this.lists.delete(list.ms);
  }

  /** @internal The list's Timeout fired: run every deadline due by now, in order. */
  runDue(list: DeadlineList): void {
    const now = nowMs();
    // Deadlines armed while these callbacks run are due at least 1 ms after `now`, so the
    // loop ends; `list.timer` stays set meanwhile, so arming one does not arm a Timeout for
    // the tail while earlier entries wait (re-armed for the head below).
    for (let h = list.head; h !== undefined && h.dlAt <= now; h = list.head) {
      const fn = h.dlFn!;
      this.disarm(h);
      fn(h);
    }
    list.timer = undefined;
    if (list.head !== undefined) this.armList(list, list.head.dlAt);
  }
}

function fireList(registry: TimerRegistry, list: DeadlineList): void {
  registry.runDue(list);
}

function fireTracked<A>(this: NodeJS.Timeout, live: Set<NodeJS.Timeout>, fn: (arg: A) => void, arg: A): void {
  live.delete(this);
  fn(arg);
}

function callNoArg(fn: () => void): void {
  fn();
}
