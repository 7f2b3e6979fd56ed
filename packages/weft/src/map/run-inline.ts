/**
 * Running items on the calling thread: the probe that measures item cost,
 * and whole inputs too small to gain from workers.
 *
 * @module
 */
import { describeThrown } from '../codec/error-codec.js';
import { TaskError } from '../errors.js';
import { crossingCopy, unsendableResult } from '../memory/result-crossing.js';
import { PROBE_BUDGET_MS, probeBudgetMs } from './plan-map.js';

/** The error a failing item rejects with, wherever it ran. */
export function itemFailure(where: string, index: number, cause: unknown): TaskError {
  return new TaskError(`${where}: the function threw at index ${index}: ${describeThrown(cause)}`, cause, index);
}

/** Where a specialized loop reports a throwing item. */
interface Failure {
  index: number;
  error: unknown;
}

/**
 * A loop over `items[from..to)`: returns `to` when done, `-(i + 2)` when item
 * `i` returned an object or a function (stored as it is: a promise-like to
 * await, or a result to copy), `-1` when an item threw (recorded in
 * `failure`). Primitive results, the common case, need nothing more.
 */
export type Loop = (
  fn: (...args: unknown[]) => unknown,
  items: ArrayLike<unknown>,
  context: unknown,
  results: unknown[],
  from: number,
  to: number,
  failure: Failure,
  copy: ((value: unknown) => unknown) | undefined,
) => number;

const LOOP_BODY = `
  let i = from;
  try {
    for (; i < to; i++) {
      const item = items[i];
      const value = fn(copy !== undefined && typeof item === 'object' && item !== null ? copy(item) : item, i, context);
      results[i] = value;
      if ((typeof value === 'object' && value !== null) || typeof value === 'function') return -(i + 2);
    }
  } catch (error) {
    failure.index = i;
    failure.error = error;
    return -1;
  }
  return i;`;

/** The shared loop, for platforms that forbid compiling code (a strict Content-Security-Policy). */
const sharedLoop: Loop = (fn, items, context, results, from, to, failure, copy) => {
  let i = from;
  try {
    for (; i < to; i++) {
      const item = items[i];
      const value = fn(copy !== undefined && typeof item === 'object' && item !== null ? copy(item) : item, i, context);
      results[i] = value;
      if ((typeof value === 'object' && value !== null) || typeof value === 'function') return -(i + 2);
    }
  } catch (error) {
    failure.index = i;
    failure.error = error;
    return -1;
  }
  return i;
};

/**
 * One compiled loop per function source. A loop shared by every function
 * calls through a megamorphic site that the engine cannot inline, which
 * costs ~20% on trivial items; a loop of its own sees one callee, which the
 * engine inlines, so a small input run here is as fast as `items.map`.
 */
const loops = new Map<string, Loop>();
const MAX_LOOPS = 256;

/** The loop last found for each function, so that a function passed again skips reading its source. */
const loopOf = new WeakMap<object, Loop>();

/** The compiled loop for `fn` (looked up by its source text): take it once per call, not once per batch. */
export function inlineLoop(fn: unknown): Loop {
  const known = loopOf.get(fn as object);
  if (known) return known;
  const source = Function.prototype.toString.call(fn);
  let loop = loops.get(source);
  if (!loop) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      loop = new Function('fn', 'items', 'context', 'results', 'from', 'to', 'failure', 'copy', LOOP_BODY) as Loop;
    } catch {
      loop = sharedLoop;
    }
    if (loops.size >= MAX_LOOPS) loops.clear();
    loops.set(source, loop);
  }
  loopOf.set(fn as object, loop);
  return loop;
}

/**
 * Run `items[from..to)` here, writing `results[i]` (preallocated by the
 * caller: writing into a preallocated array is as fast as `items.map`,
 * appending is twice as slow). Stops early at an item whose result is a
 * promise-like, which it stores unresolved. Returns the index after the last
 * item run. With `copies` (the worker backend), each object item is copied
 * before `fn` sees it and each result is replaced by its copy, or refused,
 * as a worker's would be (see result-crossing.ts).
 */
export function runInline<T, C>(
  where: string,
  items: ArrayLike<T>,
  fn: (item: T, index: number, context: C) => unknown,
  context: C,
  results: unknown[],
  from: number,
  to: number,
  copies: boolean,
  loop: Loop = inlineLoop(fn),
): { next: number; pending: boolean } {
  const failure: Failure = { index: -1, error: undefined };
  const copy = copies ? crossingCopy : undefined;
  let at = from;
  for (;;) {
    const end = loop(fn as (...args: unknown[]) => unknown, items, context, results, at, to, failure, copy);
    if (end === -1) throw itemFailure(where, failure.index, failure.error);
    if (end >= 0) return { next: end, pending: false };
    // An object or a function at `i`: a promise-like stops here (copied once settled); anything else
    // is replaced by its copy, or refused, and the loop goes on after it.
    const i = -end - 2;
    const value = results[i];
    if (typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function') return { next: i + 1, pending: true };
    if (copies) copyResult(where, results, i);
    at = i + 1;
  }
}

/** Replace `results[i]` by the copy a worker's caller would get; refuse one that cannot be copied. */
function copyResult(where: string, results: unknown[], i: number): void {
  try {
    results[i] = crossingCopy(results[i]);
  } catch (err) {
    throw itemFailure(where, i, unsendableResult(i, err));
  }
}

/** Await the promise-like `runInline` left at `results[index]`, replacing it with its value. */
export async function settleInline(where: string, results: unknown[], index: number, copies: boolean): Promise<void> {
  try {
    results[index] = await (results[index] as PromiseLike<unknown>);
  } catch (err) {
    throw itemFailure(where, index, err);
  }
  if (copies) copyResult(where, results, index);
}

/** What {@link probeInline} found. */
export interface Probed {
  /** The index after the last item run. */
  readonly next: number;
  /** The cheapest batch's cost per item (ms). */
  readonly perItemMs: number | undefined;
  /** The item at `next - 1` returned a promise-like, stored unresolved in `results`. */
  readonly pending: boolean;
}

/**
 * The probe: run items here from 0, in batches that double, until
 * {@link PROBE_BUDGET_MS} is spent (ten times that while only one batch has
 * run: one item alone may be the whole answer), or longer for a large job
 * ({@link probeBudgetMs}), or all are done, or an item returned a
 * promise-like. The cheapest batch gives the cost per item: a GC pause or a
 * first-call compile inflates one batch, not all.
 *
 * @example
 * ```ts
 * const { next, perItemMs } = probeInline('parallelMap', items, fn, ctx, results, true, inlineLoop(fn));
 * ```
 */
export function probeInline<T, C>(
  where: string,
  items: ArrayLike<T>,
  fn: (item: T, index: number, context: C) => unknown,
  context: C,
  results: unknown[],
  copies: boolean,
  loop: Loop,
): Probed {
  const total = items.length;
  const t0 = performance.now();
  let next = 0;
  let perItemMs: number | undefined;
  let batch = 1;
  let batches = 0;
  let batchStart = t0;
  while (next < total) {
    const from = next;
    const step = runInline(where, items, fn, context, results, from, Math.min(total, from + batch), copies, loop);
    next = step.next;
    const now = performance.now();
    const batchPerItem = (now - batchStart) / (next - from);
    perItemMs = perItemMs === undefined ? batchPerItem : Math.min(perItemMs, batchPerItem);
    batchStart = now;
    batches++;
    if (step.pending) return { next, perItemMs, pending: true };
    // Decide after two batches at least, unless one item alone was clearly expensive; a large job is
    // probed longer, so that the function is compiled when it is measured (see probeBudgetMs).
    if (now - t0 >= Math.max(PROBE_BUDGET_MS * (batches >= 2 ? 1 : 10), probeBudgetMs(perItemMs, total))) break;
    batch *= 2;
  }
  return { next, perItemMs, pending: false };
}
