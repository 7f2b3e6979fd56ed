/**
 * Running items on the calling thread: the probe that measures item cost,
 * and whole inputs too small to gain from workers.
 *
 * @module
 */
import { describeThrown } from '../codec/error-codec.js';
import { TaskError } from '../errors.js';

/** The error a failing item rejects with, wherever it ran. */
export function itemFailure(where: string, index: number, cause: unknown): TaskError {
  return new TaskError(`${where}: the function threw at index ${index}: ${describeThrown(cause)}`, cause, index);
}

/**
 * Run `items[from..to)` here, writing `results[i]` (preallocated by the
 * caller: writing into a preallocated array is as fast as `items.map`,
 * appending is twice as slow). Stops early at an item whose result is a
 * promise-like, which it stores unresolved. Returns the index after the last
 * item run.
 */
export function runInline<T, C>(
  where: string,
  items: ArrayLike<T>,
  fn: (item: T, index: number, context: C) => unknown,
  context: C,
  results: unknown[],
  from: number,
  to: number,
): { next: number; pending: boolean } {
  let i = from;
  try {
    for (; i < to; i++) {
      const value = fn(items[i] as T, i, context);
      results[i] = value;
      if (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function') {
        return { next: i + 1, pending: true };
      }
    }
  } catch (err) {
    throw itemFailure(where, i, err);
  }
  return { next: i, pending: false };
}

/** Await the promise-like `runInline` left at `results[index]`, replacing it with its value. */
export async function settleInline(where: string, results: unknown[], index: number): Promise<void> {
  try {
    results[index] = await (results[index] as PromiseLike<unknown>);
  } catch (err) {
    throw itemFailure(where, index, err);
  }
}
