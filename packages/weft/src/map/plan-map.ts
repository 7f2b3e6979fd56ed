/**
 * Deciding whether a map goes parallel, and how finely it is chunked, from
 * the cost of the first items measured on the calling thread.
 *
 * @module
 */

/** The probe runs items on the calling thread for about this long (ms) before deciding. */
export const PROBE_BUDGET_MS = 0.5;

/** A large job's probe may take up to this share of its estimated time on the calling thread... */
const PROBE_SHARE = 0.01;
/** ...but never more than this (ms). */
const PROBE_MAX_MS = 10;

/**
 * How long (ms) the probe of a job of `total` items goes on, once its items
 * cost about `perItemMs` each: {@link PROBE_BUDGET_MS}, or for a large job 1%
 * of its estimated time, at most 10 ms. A cheap function measured cold costs
 * 10-20x what it costs compiled (2M strings through a 110-step hash loop:
 * 6 us per item over the first 60 items, 0.5 us compiled), and a map that
 * went parallel on the cold figure ran at half the speed of `items.map`;
 * probing a little longer costs at most 1% of the job.
 *
 * @example
 * ```ts
 * probeBudgetMs(0.006, 2_000_000); // 10: the cap (1% of 12 s would be 120 ms)
 * probeBudgetMs(0.006, 1_000); // 0.06: less than the minimum budget, which applies
 * ```
 */
export function probeBudgetMs(perItemMs: number, total: number): number {
  return Math.min(PROBE_MAX_MS, PROBE_SHARE * perItemMs * total);
}

/** A guided chunk never holds less than about this much work (ms), so claims and batches stay cheap. */
export const MIN_CHUNK_WORK_MS = 0.05;

/**
 * Rough cost (ms) of handing a job to a warm pool and hearing back, after the
 * probe kept this thread busy: idle workers are asleep by then, and waking
 * one costs more the longer it slept. Measured on 2 vCPUs (`inline:
 * 'never'`, 3 ms of work on this thread before each call, median of 40): 2
 * items 0.77 ms; 250 to 1,000 items of 3 us, 0.96-1.14 ms over their share
 * of the work. At 0.3 ms, 1,000 items of 3 us went parallel after the probe
 * and ran at 0.85x `items.map`.
 */
const DISPATCH_MS = 1;
/** Rough cost (ms) of starting one worker. */
const WORKER_START_MS = 40;
/** Rough cost (ms) of cloning one small item to a worker, or one result back, where it was not measured. */
const TRANSFER_PER_ITEM_MS = 0.0002;
/**
 * What moving an item to a worker and its result back costs, against one
 * `structuredClone` of both on the calling thread: streaming or serializing,
 * decoding on both sides, the results' messages and the garbage they leave.
 * Measured as the wall time per item of `x => x` on 2 workers (400,000
 * items, streamed) against the clone of a packed sample of 128, two runs:
 * integers 0.050-0.056 us against 0.065-0.074 (0.75x), doubles 0.051-0.053
 * against 0.039-0.043 (1.2-1.35x; both with their results back as
 * `Float64Array`s), flat strings of 110 bytes 0.64-0.66 against 0.11
 * (5.8-6.0x), small objects 1.30-1.37 against 0.82 (1.6-1.7x). Each factor
 * covers the worst of its kind; objects, whose shapes vary most, and
 * anything mixed keep 4. Leaning towards the calling thread: a wrong guess
 * costs least there.
 */
const CROSSING_FACTOR = { number: 1.5, string: 6, other: 4 } as const;
/**
 * Going parallel must be expected to save at least this share of the time
 * here: near the break-even the estimate is within its own error, and a
 * wrong guess towards the workers costs more than one towards this thread
 * (their wake-up and results have a slow tail: 4 ms at the 90th percentile
 * where the median is 1.8 ms, for 745 items of 3 us).
 */
const REQUIRED_GAIN = 0.1;
/** Items the crossing cost is measured on, at most. */
const CROSSING_SAMPLE = 128;

/** What the estimate needs. */
export interface PlanInput {
  /** Measured cost of one item (ms). */
  readonly perItemMs: number;
  /** Items still to run. */
  readonly remaining: number;
  /** How many workers would share them. */
  readonly participants: number;
  /** How many of those must be started first. */
  readonly coldWorkers: number;
  /**
   * Estimated cost (ms) of moving one item to a worker and its result back ({@link crossingCostMs});
   * 0 where values pass by identity. Unmeasured (undefined), a rough per-item figure stands in for it.
   */
  readonly crossingMs?: number;
}

/**
 * True when running the remaining items on workers is expected to finish
 * at least 10% sooner than running them here: their share of the work, plus
 * dispatch, worker start-up, and moving each item and result across, which
 * the calling thread pays alone.
 *
 * @example
 * ```ts
 * // 1 us items over 100,000 numbers that take 0.15 us each to move: 50 + 1 + 15 ms < 100 ms.
 * worthGoingParallel({ perItemMs: 0.001, remaining: 100_000, participants: 2, coldWorkers: 0, crossingMs: 0.00015 }); // true
 * // 0.1 us items: moving them costs more than the work saved.
 * worthGoingParallel({ perItemMs: 0.0001, remaining: 100_000, participants: 2, coldWorkers: 0, crossingMs: 0.00015 }); // false
 * ```
 */
export function worthGoingParallel(plan: PlanInput): boolean {
  if (plan.participants < 1) return false;
  const localMs = plan.perItemMs * plan.remaining;
  const perItemCrossingMs = plan.crossingMs ?? TRANSFER_PER_ITEM_MS * (plan.participants + 1);
  const parallelMs =
    localMs / plan.participants +
    DISPATCH_MS +
    (plan.coldWorkers > 0 ? WORKER_START_MS : 0) +
    perItemCrossingMs * plan.remaining;
  return parallelMs < localMs * (1 - REQUIRED_GAIN);
}

/**
 * What moving an item to a worker and its result back is expected to cost
 * (ms per item): one `structuredClone` of an item and of its result, timed
 * over a sample of the first `count` items (those the probe ran, whose
 * results are in), times the factor for what the sample holds (numbers,
 * strings, anything else). 0 when they cannot be cloned: sending them says
 * why.
 *
 * @example
 * ```ts
 * const crossingMs = crossingCostMs(items, results, probed);
 * worthGoingParallel({ perItemMs, remaining, participants, coldWorkers, crossingMs });
 * ```
 */
export function crossingCostMs(items: ArrayLike<unknown>, results: ArrayLike<unknown>, count: number): number {
  const n = Math.min(count, CROSSING_SAMPLE);
  if (n === 0) return 0;
  // Packed arrays, as the blocks that carry items are: the serializer takes a holey array (`new
  // Array(n)`) as sparse, which costs 4x as much for numbers (10 us for 128 of them, against 2.5 us)
  // and kept 1 us items over 100,000 numbers on the calling thread, where workers ran them 1.6x faster.
  const sampleItems: unknown[] = [];
  const sampleResults: unknown[] = [];
  let factor: number = CROSSING_FACTOR.number;
  for (let k = 0; k < n; k++) {
    const i = Math.floor((k * count) / n);
    sampleItems.push(items[i]);
    sampleResults.push(results[i]);
    factor = Math.max(factor, crossingFactor(items[i]), crossingFactor(results[i]));
  }
  try {
    // The first clones after other work pay for warming the serializer (8-14 us, where the next one
    // of the same 128 numbers takes 3 us): the cheaper of two rounds is the estimate.
    let best = Infinity;
    for (let round = 0; round < 2; round++) {
      const t0 = performance.now();
      structuredClone(sampleItems);
      structuredClone(sampleResults);
      best = Math.min(best, performance.now() - t0);
    }
    return (factor * best) / n;
  } catch {
    return 0;
  }
}

/**
 * How many times its clone moving a value of this kind costs (see
 * `CROSSING_FACTOR`): a sample's factor is the largest among its items and
 * results.
 *
 * @example
 * ```ts
 * crossingFactor(1.5); // 1.5
 * crossingFactor('text'); // 6
 * crossingFactor({ id: 1 }); // 4
 * ```
 */
export function crossingFactor(value: unknown): number {
  if (typeof value === 'string') return CROSSING_FACTOR.string;
  // Numbers, and the other primitives, which cross as a few bytes too.
  return (typeof value === 'object' && value !== null) || typeof value === 'function' ? CROSSING_FACTOR.other : CROSSING_FACTOR.number;
}

/** From this measured cost per item (ms), a function's next call skips the probe and starts on the workers. */
export const KNOWN_EXPENSIVE_MS = 1;

/** The per-item cost (ms) each function was last measured at, on the calling thread or on workers. */
const lastCost = new WeakMap<object, number>();

/** Record what `fn`'s items cost (ms each) in the call just made. */
export function rememberCost(fn: object, perItemMs: number): void {
  lastCost.set(fn, perItemMs);
}

/**
 * The cost per item `fn` was last measured at when it was at least
 * {@link KNOWN_EXPENSIVE_MS}, else undefined. Such a call is sent to the
 * workers at once: running its first item here, to learn what is already
 * known, would leave every worker idle for that long. A call that then
 * finds its items cheap records so, and the next call probes again.
 *
 * @example
 * ```ts
 * rememberCost(render, 20); // 20 ms per item
 * knownExpensiveCost(render); // 20: the next call goes straight to the workers
 * rememberCost(render, 0.002);
 * knownExpensiveCost(render); // undefined: probe first
 * ```
 */
export function knownExpensiveCost(fn: object): number | undefined {
  const cost = lastCost.get(fn);
  return cost !== undefined && cost >= KNOWN_EXPENSIVE_MS ? cost : undefined;
}

/** The smallest chunk worth claiming, given a measured per-item cost (1 when unknown). */
export function minChunkFor(perItemMs: number | undefined): number {
  if (perItemMs === undefined || perItemMs <= 0) return 1;
  return Math.max(1, Math.ceil(MIN_CHUNK_WORK_MS / perItemMs));
}
