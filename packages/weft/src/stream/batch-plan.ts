/**
 * How many items a stream puts in one batch, from the cost of items measured
 * on the workers.
 *
 * @module
 */

/** A batch aims at about this much work (ms): its dispatch and results then cost a few percent of it. */
export const BATCH_WORK_MS = 4;

/** A batch checks the stop word after about this much work (ms): the latency of `break` and of a failure elsewhere. */
export const STEP_WORK_MS = 0.5;

/** Weight of the newest batch in the running cost estimate (items may get dearer or cheaper as a stream goes on). */
const NEWEST_WEIGHT = 0.25;

/** Sizes of a stream's batches, adapting to the measured cost of its items. */
export class BatchPlan {
  /** Estimated cost of one item (ms); undefined until a batch has come back. */
  private perItemMs: number | undefined;

  /** `cap`: the most items a batch may hold, so that enough batches fit under the high-water mark. */
  constructor(private readonly cap: number) {}

  /** A batch of `items` items took `ms` on its worker. */
  record(items: number, ms: number): void {
    if (items === 0) return;
    const sample = ms / items;
    this.perItemMs = this.perItemMs === undefined ? sample : this.perItemMs * (1 - NEWEST_WEIGHT) + sample * NEWEST_WEIGHT;
  }

  /** Items for the batch numbered `seq`: doubling from 1 while the cost is unknown, then about {@link BATCH_WORK_MS} of work. */
  size(seq: number): number {
    const cost = this.perItemMs;
    const wanted = cost === undefined ? 2 ** Math.min(seq, 20) : Math.ceil(BATCH_WORK_MS / Math.max(cost, 1e-6));
    return Math.max(1, Math.min(this.cap, wanted));
  }

  /** Items between two stop checks: one while the cost is unknown, then about {@link STEP_WORK_MS} of work. */
  step(): number {
    const cost = this.perItemMs;
    return cost === undefined ? 1 : Math.max(1, Math.ceil(STEP_WORK_MS / Math.max(cost, 1e-6)));
  }
}
