/**
 * The scheduler of the pool worker this code runs in, as the worker runtime
 * publishes it on `globalThis` (the runtime and the copy of Weft that task
 * code imports are separate bundles): fork-join and nested `parallelMap`
 * queue their work there instead of starting a pool of their own.
 *
 * @module
 */
import type { FunctionRef } from '../protocol.js';

/** A forked task as the worker scheduler hands it back. */
export interface ForkedWork<R> extends PromiseLike<R> {
  /** Wait for the result, running other queued work meanwhile. */
  join(): R;
}

/** What task-side code needs of the worker's scheduler. */
export interface SchedulerBridge {
  /** True on shared-heap threads (native backend): closures are forked as they are. */
  readonly sharesHeap: boolean;
  /** The number of workers in the pool this worker belongs to. */
  readonly poolSize: number;
  fork<R>(fn: (...args: unknown[]) => unknown, args: unknown[], ref?: Exclude<FunctionRef, { kind: 'closure' }>): ForkedWork<R>;
}

const SCHEDULER_KEY = Symbol.for('weft.workerScheduler');

/** The scheduler of the worker this code runs in, if it is a pool worker. */
export function currentScheduler(): SchedulerBridge | undefined {
  return (globalThis as unknown as Record<symbol, SchedulerBridge | undefined>)[SCHEDULER_KEY];
}

/**
 * Where the worker runtime publishes its chunk runner for nested maps:
 * `(ref, items, start, context)` runs the referenced function over a chunk
 * and returns its results (or a promise of them).
 */
export const RUN_CHUNK_KEY = Symbol.for('weft.runNestedChunk');

/** The `code` of the error a worker's chunk runner throws for a nested item's failure. */
export const NESTED_ITEM_FAILED = 'WEFT_NESTED_ITEM_FAILED';

/** A nested item's failure as the worker throws it: `itemIndex` (an own property, so it crosses the error codec) and `cause`. */
export function nestedItemFailure(index: number, cause: unknown): Error {
  return Object.assign(new Error(`item ${index} failed`, { cause }), { code: NESTED_ITEM_FAILED, itemIndex: index });
}

/** The item index of an error made by {@link nestedItemFailure} after it crossed back, or undefined for any other error. */
export function nestedFailureIndex(err: unknown): number | undefined {
  const e = err as { code?: unknown; itemIndex?: unknown } | null;
  return typeof e === 'object' && e !== null && e.code === NESTED_ITEM_FAILED && Number.isInteger(e.itemIndex) ? (e.itemIndex as number) : undefined;
}
