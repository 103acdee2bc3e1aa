// Event-loop delay for metrics, measured by perf_hooks.monitorEventLoopDelay.
//
// The monitor costs a timer firing every `resolution` ms, so it is started only by the first
// read of the metrics (a server nobody watches pays nothing) and runs from then on, unref'd
// (it never keeps the process alive).
//
// Invariants: a read never depends on who else reads. The histogram is cut into windows of
// at least WINDOW_MS: a read that finds the open window that old closes it (keeps its
// figures, resets the histogram) and reports it; reads in between report the last closed
// window (before the first one closes: the open one so far). So a dashboard reading every
// second and a scrape every 15 s see the same figures for the same window, where resetting
// on every read gave each the delay since the other's read. Since-start figures (largest,
// mean) are folded from each closed window plus the open one.
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/** Sampling period of the monitor, ms (node's default is 10). */
const RESOLUTION_MS = 20;

/** Shortest window the windowed figures cover, ms. */
const WINDOW_MS = 10_000;

const NS_PER_MS = 1e6;

/** The fields a read fills in (ms). */
export interface EventLoopDelayFields {
  eventLoopDelayMeanMs: number;
  eventLoopDelayP50Ms: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  eventLoopDelayMeanMsSinceStart: number;
  eventLoopDelayMaxMsSinceStart: number;
}

/**
 * The histogram records the time between two firings of its timer, i.e. the resolution plus
 * the delay (measured: an idle loop reads ~20.5 ms at a 20 ms resolution): the delay is
 * what exceeds the resolution.
 */
function delayMs(sampleNs: number): number {
  const ms = sampleNs / NS_PER_MS - RESOLUTION_MS;
  return ms > 0 ? ms : 0;
}

export class EventLoopDelay {
  private histogram: IntervalHistogram | undefined = undefined;
  /** When the open window began (Date.now()). */
  private windowStart = 0;
  /** The last closed window's figures (ms); `closed` false until one closed. */
  private closed = false;
  private lastMean = 0;
  private lastP50 = 0;
  private lastP99 = 0;
  private lastMax = 0;
  /** Closed windows folded: samples, their summed raw mean (ns x count), largest raw sample. */
  private totalCount = 0;
  private totalSumNs = 0;
  private totalMaxNs = 0;

  /** Writes the windowed and since-start delay into `into` (zeros on the first read). */
  readInto(into: EventLoopDelayFields): void {
    const h = this.histogram;
    if (h === undefined) {
      this.start();
      return;
    }
    const now = Date.now();
    // An empty histogram (no sample yet) reports NaN mean and a huge min: nothing to fold.
    if (h.count > 0 && now - this.windowStart >= WINDOW_MS) {
      this.lastMean = delayMs(h.mean);
      this.lastP50 = delayMs(h.percentile(50));
      this.lastP99 = delayMs(h.percentile(99));
      this.lastMax = delayMs(h.max);
      this.closed = true;
      this.totalCount += h.count;
      this.totalSumNs += h.mean * h.count;
      if (h.max > this.totalMaxNs) this.totalMaxNs = h.max;
      h.reset();
      this.windowStart = now;
    }
    const open = h.count;
    if (this.closed) {
      into.eventLoopDelayMeanMs = this.lastMean;
      into.eventLoopDelayP50Ms = this.lastP50;
      into.eventLoopDelayP99Ms = this.lastP99;
      into.eventLoopDelayMaxMs = this.lastMax;
    } else if (open > 0) {
      into.eventLoopDelayMeanMs = delayMs(h.mean);
      into.eventLoopDelayP50Ms = delayMs(h.percentile(50));
      into.eventLoopDelayP99Ms = delayMs(h.percentile(99));
      into.eventLoopDelayMaxMs = delayMs(h.max);
    }
    const count = this.totalCount + open;
    if (count > 0) {
      const sumNs = this.totalSumNs + (open > 0 ? h.mean * open : 0);
      into.eventLoopDelayMeanMsSinceStart = delayMs(sumNs / count);
      into.eventLoopDelayMaxMsSinceStart = delayMs(open > 0 && h.max > this.totalMaxNs ? h.max : this.totalMaxNs);
    }
  }

  /** Stops the monitor (engine.close()); the next read starts it again, from zero. */
  stop(): void {
    this.histogram?.disable();
    this.histogram = undefined;
    this.closed = false;
    this.lastMean = this.lastP50 = this.lastP99 = this.lastMax = 0;
    this.totalCount = this.totalSumNs = this.totalMaxNs = 0;
  }

  private start(): void {
    const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    h.enable();
    this.histogram = h;
    this.windowStart = Date.now();
  }
}
