/**
 * Timing samples of a Pool: the last few thousand run and wait times, with
 * percentiles computed on demand.
 *
 * @module
 */

/** Percentiles of a set of durations, in milliseconds. */
export interface DurationSummary {
  /** Samples recorded since the pool started (percentiles use the latest 4096). */
  readonly count: number;
  /** Median. */
  readonly p50: number;
  /** 90th percentile. */
  readonly p90: number;
  /** 99th percentile. */
  readonly p99: number;
  /** Largest of the latest samples. */
  readonly max: number;
}

/**
 * A Pool's counters: the counts are taken when `pool.stats` is read;
 * `running` and the timing summaries are computed when read (so reading
 * `pool.stats.queued` in a loop stays cheap).
 */
export interface PoolStats {
  /** Live workers. */
  readonly workers: number;
  /** Tasks submitted and not yet started. */
  readonly queued: number;
  /** Tasks running now. */
  readonly running: number;
  /** Tasks that finished with a value. */
  readonly completed: number;
  /** Tasks that failed (threw, were cancelled, timed out, or lost their worker). */
  readonly failed: number;
  /** Tasks a worker took from another worker's deque. */
  readonly stolen: number;
  /**
   * Workers lost while the pool was open and replaced: they crashed or
   * exited, or Weft stopped them because they still ran a cancelled,
   * timed-out or aborted task after its grace period.
   */
  readonly replaced: number;
  /** Time from start to finish (ms), over the last samples; `undefined` when `recordTiming` is off. */
  readonly runTime: DurationSummary | undefined;
  /** Time from submission to start (ms), over the last samples; `undefined` when `recordTiming` is off. */
  readonly waitTime: DurationSummary | undefined;
}

/** A ring of the latest samples. */
export class SampleRing {
  private readonly samples: Float64Array;
  private count = 0;
  /** The last summary, until the next sample. */
  private cached: DurationSummary | undefined;

  constructor(capacity = 4096) {
    this.samples = new Float64Array(capacity);
  }

  add(value: number): void {
    this.samples[this.count++ % this.samples.length] = value;
    this.cached = undefined;
  }

  summary(): DurationSummary {
    if (this.cached) return this.cached;
    const n = Math.min(this.count, this.samples.length);
    const sorted = this.samples.slice(0, n).sort();
    const at = (q: number): number => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.floor(q * n))]!);
    this.cached = { count: this.count, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: n === 0 ? 0 : sorted[n - 1]! };
    return this.cached;
  }
}
