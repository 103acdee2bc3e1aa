// Event-loop delay for metrics, measured by perf_hooks.monitorEventLoopDelay.
//
// The monitor costs a timer firing every `resolution` ms, so it is started only by the first
// read of the metrics (a server nobody watches pays nothing) and runs from then on, unref'd
// (it never keeps the process alive). Each read reports the delay since the previous read
// and resets the histogram, so a scrape every N seconds sees the last N seconds.
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

/** Sampling period of the monitor, ms (node's default is 10). */
const RESOLUTION_MS = 20;

const NS_PER_MS = 1e6;

/** The fields a read fills in (ms). */
export interface EventLoopDelayFields {
  eventLoopDelayMeanMs: number;
  eventLoopDelayP50Ms: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
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

  /** Writes the delay since the previous read into `into` (zeros on the first read). */
  readInto(into: EventLoopDelayFields): void {
    const h = this.histogram;
    if (h === undefined) {
      this.start();
      return;
    }
    // An empty histogram (no sample yet) reports NaN mean and a huge min: leave zeros.
    if (h.count === 0) return;
    into.eventLoopDelayMeanMs = delayMs(h.mean);
    into.eventLoopDelayP50Ms = delayMs(h.percentile(50));
    into.eventLoopDelayP99Ms = delayMs(h.percentile(99));
    into.eventLoopDelayMaxMs = delayMs(h.max);
    h.reset();
  }

  /** Stops the monitor (engine.close()); the next read starts it again. */
  stop(): void {
    this.histogram?.disable();
    this.histogram = undefined;
  }

  private start(): void {
    const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    h.enable();
    this.histogram = h;
  }
}
