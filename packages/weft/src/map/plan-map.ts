/**
 * Deciding whether a map goes parallel, and how finely it is chunked, from
 * the cost of the first items measured on the calling thread.
 *
 * @module
 */

/** The probe runs items on the calling thread for about this long (ms) before deciding. */
export const PROBE_BUDGET_MS = 0.5;

/** A guided chunk never holds less than about this much work (ms), so claims and batches stay cheap. */
export const MIN_CHUNK_WORK_MS = 0.05;

/** Rough cost (ms) of handing a job to a warm pool and hearing back. */
const DISPATCH_MS = 0.3;
/** Rough cost (ms) of starting one worker. */
const WORKER_START_MS = 40;
/** Rough cost (ms) of cloning one small item to a worker, or one result back. */
const TRANSFER_PER_ITEM_MS = 0.0002;

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
}

/** True when running the remaining items on workers is expected to finish sooner than running them here. */
export function worthGoingParallel(plan: PlanInput): boolean {
  if (plan.participants < 1) return false;
  const localMs = plan.perItemMs * plan.remaining;
  const parallelMs =
    localMs / plan.participants +
    DISPATCH_MS +
    (plan.coldWorkers > 0 ? WORKER_START_MS : 0) +
    TRANSFER_PER_ITEM_MS * plan.remaining * (plan.participants + 1);
  return parallelMs < localMs;
}

/** The smallest chunk worth claiming, given a measured per-item cost (1 when unknown). */
export function minChunkFor(perItemMs: number | undefined): number {
  if (perItemMs === undefined || perItemMs <= 0) return 1;
  return Math.max(1, Math.ceil(MIN_CHUNK_WORK_MS / perItemMs));
}
