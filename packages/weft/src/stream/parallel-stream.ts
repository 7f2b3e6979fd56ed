/**
 * `parallelStream`: map a function over an iterable or async iterable,
 * endless ones included, on workers, with backpressure.
 *
 * @module
 */
import type { BackendKind } from '../backend/backend.js';
import { backendChoice, expectsNativeBackend } from '../backend/select-backend.js';
import { copyContext, type MapFn } from '../map/map-on-workers.js';
import { currentScheduler } from '../task/current-scheduler.js';
import { defaultWorkers } from '../pool/default-pool.js';
import { Pool } from '../pool/pool.js';
import { functionRef, shippableRef } from '../task/function-ref.js';
import { refuseDuringTaskImport } from '../task/task-import-guard.js';
import { checkFunction, checkInteger, checkSignal, describeValue } from '../validate.js';
import { StreamIterator, type ParallelStream } from './stream-iterator.js';

export type { ParallelStream } from './stream-iterator.js';

/**
 * Options of {@link parallelStream}.
 *
 * @example
 * ```ts
 * import { parallelStream, type ParallelStreamOptions } from 'weftjs';
 *
 * const options: ParallelStreamOptions<{ k: number }> = { ordered: false, highWaterMark: 1_024, context: { k: 3 } };
 * for await (const x of parallelStream([1, 2], (x, _i, ctx) => x * ctx.k, options)) console.log(x); // varies: 3 and 6, in completion order
 * ```
 */
export interface ParallelStreamOptions<C = undefined> {
  /** `true` (default): results in source order. `false`: in the order batches finish (source order within a batch). */
  readonly ordered?: boolean;
  /**
   * The most items read from the source and not yet consumed (default 256):
   * items waiting in a batch, running, or finished but not yet taken. It
   * bounds memory, and how far reading runs ahead of the consumer. Cheap
   * items need a larger one to keep workers busy.
   */
  readonly highWaterMark?: number;
  /** At most this many batches run at once. Default: the pool's size. */
  readonly concurrency?: number;
  /**
   * Values the function needs, passed as its third argument; must be
   * structured-cloneable (copied at the call, like {@link parallelMap}'s).
   * It travels with each batch (a batch holds a few milliseconds of work):
   * keep it small, or put large data in a `SharedArrayBuffer`, which is shared.
   */
  readonly context?: C;
  /** Aborting ends the stream with an `AbortError` at once; running batches stop after their current item. */
  readonly signal?: AbortSignal;
  /** `'workers'`, `'native'`, or `'auto'` (default: `WEFT_BACKEND`, else auto-detect). Not with `pool`. */
  readonly backend?: 'auto' | BackendKind;
  /** Run on this pool's workers instead of the default pool's. */
  readonly pool?: Pool;
}

const WHERE = 'parallelStream';

/**
 * Map `fn` over `source` on workers, as the results are consumed: an async
 * iterator of the results, for `for await`, Node's `stream.pipeline` and
 * `Readable.from`, or `ReadableStream.from`.
 *
 * `source` is any iterable or async iterable, endless ones included (a
 * generator, the lines of a file, pages of a database cursor). It is read
 * only as results are consumed, never more than `highWaterMark` items ahead,
 * so memory stays bounded. Items go to workers in batches sized from the
 * measured cost of items (a few milliseconds of work each), so that cheap
 * items do not pay a message each; results come back in source order
 * (`ordered: false`: as batches finish).
 *
 * `fn` gets `(item, index, context)`, where `index` is the item's position in
 * the source, and follows {@link parallelMap}'s rules: it must capture
 * nothing (values come through `context`), or be a module task from
 * {@link defineTask} or {@link fromModule}; closures run as they are on the
 * native backend. It may be async.
 *
 * Leaving early (`break`, or `return()`) stops reading, calls the source's
 * own `return()`, and stops running batches after their current item; it
 * settles once none is left running. A failing `fn` ends the stream with a
 * {@link TaskError} whose `index` is the item's position and `cause` the
 * original error; a failing source, with a `TaskError` whose `index` is the
 * position of the item it failed to give and whose `cause` is what it threw.
 * When ordered, the results of earlier batches come first, so a failure is
 * met where a sequential loop would meet it (to within a batch). Aborting
 * `signal` rejects at once with an {@link AbortError}.
 *
 * @typeParam T - the item type.
 * @typeParam R - what `fn` returns (a promise's value when it is async).
 * @typeParam C - the type of `options.context`.
 * @throws TypeError / RangeError at the call for bad arguments.
 *
 * @example
 * ```ts
 * import { parallelStream } from 'weftjs';
 *
 * async function* numbers() {
 *   for (let i = 0; ; i++) yield i; // endless
 * }
 * let total = 0;
 * for await (const square of parallelStream(numbers(), (x, _i, ctx) => x * x * ctx.k, { context: { k: 2 }, highWaterMark: 64 })) {
 *   total += square;
 *   if (square > 1_000) break; // stops reading and calls the generator's return()
 * }
 * console.log(total); // 11440
 * ```
 */
export function parallelStream<T, R, C = undefined>(
  source: Iterable<T> | AsyncIterable<T>,
  fn: MapFn<T, R, C>,
  options: ParallelStreamOptions<C> = {},
): ParallelStream<Awaited<R>> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${WHERE}: options must be an object, received ${describeValue(options)}`);
  }
  refuseDuringTaskImport(WHERE);
  const iterable = source as Partial<AsyncIterable<T> & Iterable<T>> | null | undefined;
  if (typeof iterable?.[Symbol.asyncIterator] !== 'function' && typeof iterable?.[Symbol.iterator] !== 'function') {
    throw new TypeError(`${WHERE}: source must be an iterable or an async iterable, received ${describeValue(source)}`);
  }
  checkFunction(WHERE, 'fn', fn);
  if (options.ordered !== undefined && typeof options.ordered !== 'boolean') {
    throw new TypeError(`${WHERE}: ordered must be a boolean, received ${describeValue(options.ordered)}`);
  }
  const highWaterMark = options.highWaterMark === undefined ? 256 : checkInteger(WHERE, 'highWaterMark', options.highWaterMark, 1);
  const concurrency = options.concurrency === undefined ? undefined : checkInteger(WHERE, 'concurrency', options.concurrency, 1);
  if (options.signal !== undefined) checkSignal(WHERE, options.signal);
  const { pool } = options;
  if (pool !== undefined && !(pool instanceof Pool)) {
    throw new TypeError(`${WHERE}: pool must be a Pool, received ${describeValue(pool)}`);
  }
  if (pool !== undefined && options.backend !== undefined) {
    throw new TypeError(`${WHERE}: give either pool or backend, not both: a pool runs on its own backend (received backend ${describeValue(options.backend)})`);
  }
  const choice = backendChoice(WHERE, options.backend);
  if (currentScheduler()) {
    throw new TypeError(`${WHERE}: cannot run inside a pool task (no pool starts in a worker); use parallelMap there, or stream on the calling thread`);
  }
  // Refuse at the call what cannot travel, unless native threads (closures as they are) are expected.
  const closures = pool === undefined && expectsNativeBackend(choice);
  const ref = closures ? undefined : shippableRef(WHERE, fn);
  const context = closures ? undefined : copyContext(WHERE, options.context);
  return new StreamIterator<Awaited<R>>({
    where: WHERE,
    source: source as object,
    ordered: options.ordered ?? true,
    highWaterMark,
    concurrency,
    signal: options.signal,
    workers: async () => {
      const workers = pool === undefined ? await defaultWorkers(choice) : await pool.workerPool();
      // Shared-heap threads take the closure and the caller's context as they are.
      if (workers.backend.kind === 'native') return { pool: workers, ref: functionRef(WHERE, fn, true), context: options.context };
      return { pool: workers, ref: ref ?? shippableRef(WHERE, fn), context: closures ? copyContext(WHERE, options.context) : context };
    },
  });
}
