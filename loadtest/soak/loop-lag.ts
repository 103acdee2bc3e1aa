// How far behind a server's event loop is, read once a second by the soak driver.
//
// Why not perf_hooks.monitorEventLoopDelay with a reset at each read: its histogram records
// the time between two firings of its timer, and reset() also forgets when the timer last
// fired, so the first firing after a reset records nothing. A loop that is seconds behind
// fires that timer about once between two reads, and every read found an empty histogram
// (p99 0.0005 ms, the empty histogram's lowest bucket; max 0) exactly when the delay was
// largest (measured: a loop blocked 1.5 s at a time read count 0 at every read after the
// first; /tmp/eld in the soak notes, docs/SOAK.md).
//
// Here a probe timer fires every RESOLUTION_MS and records how late it fired against when it
// was due (its own clock, kept across reads), and a read also counts the probe that is due
// and has not fired yet: a read taken while the loop is behind (an I/O callback of the same
// turn that blocked) sees that delay at once. A block can thus show in two consecutive reads
// (as pending in the first, as the late firing in the second): each saw the loop that late.
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";

/** Probe period, ms (monitorEventLoopDelay's default). */
export const RESOLUTION_MS = 10;

export interface LoopLagReading {
  /** Probe lateness over the window (ms): 99th percentile and largest, the pending one included. */
  p99Ms: number;
  maxMs: number;
  /** Probe firings in the window. */
  count: number;
}

export class LoopLag {
  private window: RecordableHistogram = createHistogram();
  private total: RecordableHistogram = createHistogram();
  private due = 0;
  private timer: NodeJS.Timeout | undefined;

  start(): this {
    if (this.timer) return this;
    this.due = performance.now() + RESOLUTION_MS;
    const fire = () => {
      const now = performance.now();
      this.record(now - this.due);
      this.due = now + RESOLUTION_MS;
      this.timer = setTimeout(fire, RESOLUTION_MS);
      this.timer.unref();
    };
    this.timer = setTimeout(fire, RESOLUTION_MS);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private record(lagMs: number): void {
    // Histograms take integers >= 1: microseconds, 1 µs for "on time".
    const us = Math.max(1, Math.round(lagMs * 1000));
    this.window.record(us);
    this.total.record(us);
  }

  /** The window since the last read (then a new one begins), the pending probe included. */
  read(): LoopLagReading {
    const pendingMs = this.timer ? Math.max(0, performance.now() - this.due) : 0;
    const h = this.window;
    const count = h.count;
    const maxMs = Math.max(count > 0 ? h.max / 1000 : 0, pendingMs);
    // Nearest rank: among at most 100 values the 99th percentile is the largest.
    const n = count + (pendingMs > 0 ? 1 : 0);
    const p99Ms = n <= 100 ? maxMs : h.percentile(99) / 1000;
    h.reset();
    return { p99Ms, maxMs, count };
  }

  /** Since the last resetTotal() (or the start), firings only: p99 and largest, ms. */
  totals(): { p99Ms: number; maxMs: number; count: number } {
    const h = this.total;
    return h.count > 0 ? { p99Ms: h.percentile(99) / 1000, maxMs: h.max / 1000, count: h.count } : { p99Ms: 0, maxMs: 0, count: 0 };
  }

  resetTotal(): void {
    this.total.reset();
  }
}
