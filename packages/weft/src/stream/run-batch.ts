/**
 * One batch of a stream on one worker: a map job of a single item (the
 * batch), whose function runs the user's function over the batch's items
 * with the worker's chunk runner, in steps, checking the stream's stop word
 * between steps.
 *
 * @module
 */
import { describeThrown } from '../codec/error-codec.js';
import { TaskError } from '../errors.js';
import { dispatchMap } from '../map/dispatch-map.js';
import { itemFailure } from '../map/run-inline.js';
import { nestedFailureIndex } from '../task/current-scheduler.js';
import type { WorkerPool } from '../backend/worker-pool.js';
import type { FunctionRef } from '../protocol.js';
import { describeValue } from '../validate.js';

/** What a batch carries to its worker. `seq` orders batches; `step` items run between two stop checks. */
export interface BatchItem {
  readonly items: unknown[];
  readonly start: number;
  readonly seq: number;
  readonly step: number;
}

/** What a batch brings back: its results, and the milliseconds its items took on the worker. */
export interface BatchResult {
  readonly values: unknown[];
  readonly ms: number;
}

/**
 * The same for every batch of a stream, sent with each: the user's function,
 * its context, and the stop word (`Int32Array` of one word on shared
 * memory). A batch whose `seq` is not below the stop word runs no further
 * step; the caller lowers it (never raises it) to end work it no longer needs.
 */
export interface BatchEnv {
  readonly ref: FunctionRef;
  readonly context: unknown;
  readonly stop: Int32Array;
}

/**
 * The batch function, as source: it captures nothing, so every backend
 * compiles it where it runs. `runNestedChunk` (the worker runtime's, on
 * `globalThis`) resolves the user's function (source, module task or
 * closure), passes source positions as indices and marks a failing item
 * with its position; an async function or a module still loading makes a
 * step a promise, and the batch goes on after it.
 */
const RUN_BATCH_SOURCE = `(batch, _index, env) => {
  const run = globalThis[Symbol.for('weft.runNestedChunk')];
  const { items, start, seq, step } = batch;
  const begun = performance.now();
  const values = [];
  let i = 0;
  const add = (part) => { for (let k = 0; k < part.length; k++) values.push(part[k]); };
  const more = () => {
    while (i < items.length && Atomics.load(env.stop, 0) > seq) {
      const end = Math.min(items.length, i + step);
      const part = run(env.ref, items.slice(i, end), start + i, env.context);
      i = end;
      if (!Array.isArray(part)) return part.then((done) => { add(done); return more(); });
      add(part);
    }
    return { values, ms: performance.now() - begun };
  };
  return more();
}`;

const RUN_BATCH_REF: FunctionRef = { kind: 'source', source: RUN_BATCH_SOURCE, form: 'expression' };

/** The caller's error for a failed batch: an item's `TaskError` at its source position, when one item failed. */
function batchFailure(where: string, batch: BatchItem, err: unknown): unknown {
  // The batch could not be posted: name the item that cannot be cloned, by its source position.
  if (err instanceof TypeError) {
    for (let k = 0; k < batch.items.length; k++) {
      try {
        structuredClone(batch.items[k]);
      } catch (cloneError) {
        const item = describeValue(batch.items[k]);
        return new TypeError(`${where}: the item at index ${batch.start + k} cannot be sent to a worker (${describeThrown(cloneError)}); items must be structured-cloneable, received ${item}`);
      }
    }
  }
  if (!(err instanceof TaskError)) return err;
  const cause = err.cause as { cause?: unknown } | undefined;
  const index = nestedFailureIndex(cause);
  if (index !== undefined) return itemFailure(where, index, cause?.cause);
  // Not one item's failure: the batch's results could not be sent back, or its function could not start.
  if (err.index === undefined) return err;
  const last = batch.start + batch.items.length - 1;
  return new TaskError(`${where}: the results of items ${batch.start} to ${last} could not be sent back: ${describeThrown(err.cause)}`, err.cause);
}

/** Run one batch on `pool` (on the least busy worker that is not retiring); settles once that worker is done with it. */
export async function runBatch(where: string, pool: WorkerPool, batch: BatchItem, env: BatchEnv): Promise<BatchResult> {
  const results: unknown[] = [undefined];
  try {
    await dispatchMap({
      where,
      pool,
      fn: RUN_BATCH_REF,
      items: [batch],
      context: env,
      start: 0,
      results,
      participants: 1,
      minChunk: 1,
      fixedChunk: 1,
      // No signal: an abort lowers the stop word, and the batch settles once its worker has really stopped.
      signal: undefined,
      onProgress: undefined,
    });
  } catch (err) {
    throw batchFailure(where, batch, err);
  }
  return results[0] as BatchResult;
}
