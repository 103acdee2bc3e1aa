// Log-linear latency histogram, mergeable across processes.
//
// Deliveries can run into millions per case, so samples are never kept: values (µs) fall into
// buckets whose width grows by 2% per bucket, which bounds the relative error of any
// percentile to about 1%. Two histograms merge by adding counts, which is how the driver
// combines the figures of every client process.

const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
/** Buckets cover 1 µs .. ~1.6e9 µs (about 27 minutes); anything above lands in the last one. */
const BUCKETS = 1080;

export interface HistogramJSON {
  counts: number[];
  count: number;
  sum: number;
  min: number;
  max: number;
}

export class Histogram {
  private counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  min = Infinity;
  max = 0;

  record(us: number): void {
    const v = us < 1 ? 1 : us;
    let i = Math.floor(Math.log(v) / LOG_GROWTH);
    if (i >= BUCKETS) i = BUCKETS - 1;
    this.counts[i]++;
    this.count++;
    this.sum += us;
    if (us < this.min) this.min = us;
    if (us > this.max) this.max = us;
  }

  /** Value at quantile q in [0, 1] (upper edge of its bucket, clamped to the observed max). */
  percentile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(Math.pow(GROWTH, i + 1), this.max);
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  merge(other: Histogram | HistogramJSON): void {
    const counts = other instanceof Histogram ? other.counts : other.counts;
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += counts[i] ?? 0;
    this.count += other.count;
    this.sum += other.sum;
    if (other.count > 0) {
      this.min = Math.min(this.min, other.min);
      this.max = Math.max(this.max, other.max);
    }
  }

  toJSON(): HistogramJSON {
    // Trailing zero buckets are dropped to keep IPC messages small.
    let last = BUCKETS - 1;
    while (last >= 0 && this.counts[last] === 0) last--;
    return {
      counts: Array.from(this.counts.subarray(0, last + 1)),
      count: this.count,
      sum: this.sum,
      min: this.count ? this.min : 0,
      max: this.max,
    };
  }

  static from(json: HistogramJSON): Histogram {
    const h = new Histogram();
    h.merge(json);
    return h;
  }
}

/** The percentiles every report prints, in microseconds (NaN when there were no samples). */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(h: Histogram): LatencySummary {
  return {
    count: h.count,
    p50: h.percentile(0.5),
    p90: h.percentile(0.9),
    p99: h.percentile(0.99),
    max: h.count ? h.max : NaN,
    mean: h.mean(),
  };
}
