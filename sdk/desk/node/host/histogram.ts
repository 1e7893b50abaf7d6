/**
 * A mergeable latency histogram, HDR-style: log-linear buckets over whole
 * microseconds, 64 linear sub-buckets per power of two (every value is kept
 * within 1/64, 1.6 %, of itself; values under 128 µs exactly). Two histograms
 * merge by adding their counts, so a percentile of merged shards is exactly
 * the percentile one process would have given for all the samples.
 *
 * Written here rather than taken from hdr-histogram-js: that package brings
 * three runtime dependencies (pako, base64-js, an AssemblyScript loader) and
 * a WASM build, and writes compressed base64; a fleet summary wants counts a
 * person can read in its JSON, and this is the ~60 lines it needs.
 */
export interface HistogramJson {
  /** [bucket index, count], by index. */
  buckets: [number, number][];
  count: number;
  /** Sum of the recorded values, µs (exact: whole numbers). */
  sumUs: number;
  maxUs: number;
}

const LINEAR = 128;
const HALF = LINEAR / 2;

/** The bucket of a whole number of µs. */
export function bucketOf(us: number): number {
  if (us < LINEAR) return us;
  let shift = Math.floor(Math.log2(us)) - 6;
  // log2 of a float can land a hair off at a power of two: keep the mantissa in [64, 128).
  while (Math.floor(us / 2 ** shift) >= LINEAR) shift++;
  while (Math.floor(us / 2 ** shift) < HALF) shift--;
  return shift * HALF + Math.floor(us / 2 ** shift);
}

/** The highest value a bucket holds (HDR's "highest equivalent value"), µs. */
export function bucketTop(index: number): number {
  if (index < LINEAR) return index;
  const shift = Math.floor(index / HALF) - 1;
  const mantissa = index - shift * HALF;
  return (mantissa + 1) * 2 ** shift - 1;
}

export class LatencyHistogram {
  private readonly counts = new Map<number, number>();
  count = 0;
  sumUs = 0;
  maxUs = 0;

  /** Records a latency in milliseconds (kept as whole µs). */
  recordMs(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000));
    const index = bucketOf(us);
    this.counts.set(index, (this.counts.get(index) ?? 0) + 1);
    this.count++;
    this.sumUs += us;
    this.maxUs = Math.max(this.maxUs, us);
  }

  /** Adds another histogram's counts to this one. */
  add(other: HistogramJson): this {
    for (const [index, n] of other.buckets) this.counts.set(index, (this.counts.get(index) ?? 0) + n);
    this.count += other.count;
    this.sumUs += other.sumUs;
    this.maxUs = Math.max(this.maxUs, other.maxUs);
    return this;
  }

  /** The p-th percentile in ms (0 when empty): the top of the bucket holding the ceil(p% × count)-th value, capped at the largest value seen. */
  percentileMs(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (const [index, n] of [...this.counts].sort((a, b) => a[0] - b[0])) {
      seen += n;
      if (seen >= rank) return Math.min(bucketTop(index), this.maxUs) / 1000;
    }
    return this.maxUs / 1000;
  }

  toJSON(): HistogramJson {
    return { buckets: [...this.counts].sort((a, b) => a[0] - b[0]), count: this.count, sumUs: this.sumUs, maxUs: this.maxUs };
  }

  static from(json: HistogramJson): LatencyHistogram {
    return new LatencyHistogram().add(json);
  }
}
