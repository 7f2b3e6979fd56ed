/**
 * `parallelSort`: rayon's `par_sort` for typed arrays and arrays.
 *
 * @module
 */
import type { BackendKind } from '../backend/backend.js';
import { backendChoice, expectsNativeBackend } from '../backend/select-backend.js';
import { describeThrown } from '../codec/error-codec.js';
import { AbortError, TaskError, WeftError } from '../errors.js';
import { currentScheduler } from '../task/current-scheduler.js';
import { copyContext, mapOnWorkers } from '../map/map-on-workers.js';
import { defaultWorkers } from '../pool/default-pool.js';
import { Pool } from '../pool/pool.js';
import { analyzeFunction } from '../task/analyze-function.js';
import { checkFunction, checkInteger, checkOneOf, checkSignal, describeValue } from '../validate.js';
import { runSort, type RunRound } from './run-sort.js';
import { compileKernel, type KernelEnv, type Order } from './sort-kernel.js';

const WHERE = 'parallelSort';
/** Below this many items a sort runs on the calling thread (unless `inline: 'never'`): sorting them costs about what handing them to workers does. */
const SEQUENTIAL_BELOW = 1 << 15;

/** The typed arrays `parallelSort` sorts numerically by default (any other kind the runtime has, Float16Array for one, too). */
export type SortableTypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** The element type of a typed array: `bigint` for the BigInt arrays, `number` otherwise. */
export type TypedArrayElement<A> = A extends BigInt64Array | BigUint64Array ? bigint : number;

/**
 * A comparator, as for `Array.prototype.sort`: negative when `a` sorts
 * before `b`, positive after, zero for equal (equal items keep their order).
 * It receives `options.context` as its third argument. On workers it travels
 * as source text, so it must capture nothing.
 */
export type SortCompare<T, C = undefined> = (a: T, b: T, context: C) => number;

/** Options of {@link parallelSort}. */
export interface ParallelSortOptions<C = undefined> {
  /** Passed to the comparator as its third argument; copied to each worker (structured clone; shared memory stays shared). */
  readonly context?: C;
  /** At most this many runs sort, and merge pieces run, at once (at most the pool's size). Default: the pool's size. */
  readonly concurrency?: number;
  /** Items per run of the first round (each run is sorted by one worker, then runs are merged pairwise). Default: the items split evenly over `concurrency` runs. */
  readonly chunkSize?: number;
  /** Aborting rejects the call with an `AbortError`. */
  readonly signal?: AbortSignal;
  /** `'workers'`, `'native'`, or `'auto'` (default: `WEFT_BACKEND`, else auto-detect). */
  readonly backend?: 'auto' | BackendKind;
  /** Run on this pool's workers instead of the default pool's (then `backend` must not be given). */
  readonly pool?: Pool;
  /** `'auto'` (default): fewer than 32,768 items sort on the calling thread. `'never'`: always on workers. */
  readonly inline?: 'auto' | 'never';
}

type AnyTypedArray = SortableTypedArray & { sort(): unknown; set(from: ArrayLike<unknown>): void };
type TypedArrayClass = new (buffer: ArrayBufferLike) => AnyTypedArray;

/** A buffer of `length` items of `Kind`, on shared memory when it is to be read by workers. */
function buffer(Kind: TypedArrayClass & { BYTES_PER_ELEMENT: number }, length: number, shared: boolean): AnyTypedArray {
  const bytes = length * Kind.BYTES_PER_ELEMENT;
  return new Kind(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
}

/** What went wrong, as the caller sees it: an abort, Weft's own failures as they are, anything else a comparison that threw. */
function failure(err: unknown, signal: AbortSignal | undefined): unknown {
  if (signal?.aborted) return new AbortError(`${WHERE}: aborted`, signal.reason);
  const cause = err instanceof TaskError ? err.cause : err;
  if (cause !== err || !(err instanceof WeftError)) return new TaskError(`${WHERE}: comparing two items threw: ${describeThrown(cause)}`, cause);
  return err;
}

/**
 * Sort `array` in place on all cores (rayon's `par_sort`), and resolve to
 * the same array. The outcome is exactly `array.sort(compare)`'s:
 *
 * - **A typed array** (any kind, BigInt64Array included) sorts numerically,
 *   `-0` before `+0` and `NaN` last, unless `compare` is given. One on a
 *   `SharedArrayBuffer` is sorted in that memory by every worker, without a
 *   copy; any other is copied into shared memory and back.
 * - **An array** sorts stably, by `compare`, or without one in Array#sort's
 *   default order (by `String(item)`); `undefined` items go last, then
 *   holes. An array of numbers is copied once into shared memory, where
 *   workers sort and merge it. Other items (objects, strings) sort on the
 *   calling thread on the worker backend, since copying them to a worker
 *   costs more than sorting them; threads that share the heap sort their
 *   runs in parallel, and the array keeps its own objects either way.
 *
 * Runs are sorted in parallel, then merged pairwise in parallel, each merge
 * cut into pieces of equal length (merge path). Fewer than 32,768 items, or
 * a call inside a pool task, sort on the calling thread, with the same
 * outcome. On workers `compare` travels as source text, so it must capture
 * nothing (values come through `options.context`, its third argument): one
 * that refers to outer variables is refused at the call, naming them. An
 * inconsistent comparator gives some order of the same items, as Array#sort
 * does, and the call still ends.
 *
 * If the call rejects (a comparator that threw, as a {@link TaskError}
 * with it as `cause`; an {@link AbortError}), an array, or a typed array
 * not on shared memory, is left as it was; a shared one may be partly
 * sorted, and after an abort a worker may still write to it for a moment.
 *
 * @typeParam A - the array's type, which the promise resolves to.
 * @typeParam C - the type of `options.context`.
 * @throws TypeError / RangeError at the call for a bad array, comparator or option.
 *
 * @example
 * ```ts
 * import { parallelSort } from 'weftjs';
 *
 * const shared = new Float64Array(new SharedArrayBuffer(8 * 100_000));
 * for (let i = 0; i < shared.length; i++) shared[i] = Math.random();
 * await parallelSort(shared); // in place, like shared.sort()
 *
 * const records = Array.from({ length: 100_000 }, (_, id) => ({ id, key: id % 100 }));
 * const byKey = await parallelSort(records, (a, b) => a.key - b.key); // stable: ids stay ascending within a key
 * console.log(byKey === records, byKey[1]); // true { id: 100, key: 0 }
 * ```
 */
export function parallelSort<A extends SortableTypedArray, C = undefined>(array: A, options?: ParallelSortOptions<C>): Promise<A>;
export function parallelSort<A extends SortableTypedArray, C = undefined>(
  array: A,
  compare: SortCompare<TypedArrayElement<A>, C> | undefined,
  options?: ParallelSortOptions<C>,
): Promise<A>;
export function parallelSort<T, C = undefined>(array: T[], options?: ParallelSortOptions<C>): Promise<T[]>;
export function parallelSort<T, C = undefined>(array: T[], compare: SortCompare<Exclude<T, undefined>, C> | undefined, options?: ParallelSortOptions<C>): Promise<T[]>;
export function parallelSort(array: unknown, compareOrOptions?: unknown, maybeOptions?: unknown): Promise<unknown> {
  const givenOptions = typeof compareOrOptions === 'object' && compareOrOptions !== null;
  const compare = givenOptions ? undefined : compareOrOptions;
  const options = (givenOptions ? compareOrOptions : (maybeOptions ?? {})) as ParallelSortOptions<unknown>;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${WHERE}: options must be an object, received ${describeValue(options)}`);
  const typed = ArrayBuffer.isView(array) && !(array instanceof DataView);
  if (!typed && !Array.isArray(array)) throw new TypeError(`${WHERE}: array must be an Array or a typed array, received ${describeValue(array)}`);
  if (!typed && (array as unknown[]).length > 1 && Object.isFrozen(array)) throw new TypeError(`${WHERE}: array is frozen, so it cannot be sorted in place`);
  if (compare !== undefined) checkFunction(WHERE, 'compare', compare);
  const choice = backendChoice(WHERE, options.backend);
  const { pool, signal } = options;
  if (pool !== undefined && !(pool instanceof Pool)) throw new TypeError(`${WHERE}: pool must be a Pool, received ${describeValue(pool)}`);
  if (pool !== undefined && options.backend !== undefined) throw new TypeError(`${WHERE}: give either pool or backend, not both`);
  const concurrency = options.concurrency === undefined ? undefined : checkInteger(WHERE, 'concurrency', options.concurrency, 1);
  const chunkSize = options.chunkSize === undefined ? undefined : checkInteger(WHERE, 'chunkSize', options.chunkSize, 1);
  const inline = options.inline === undefined ? 'auto' : checkOneOf(WHERE, 'inline', options.inline, ['auto', 'never']);
  if (signal !== undefined) checkSignal(WHERE, signal);
  // Closures run as they are where native threads are expected; on workers the comparator travels as source.
  const closures = pool === undefined && expectsNativeBackend(choice);
  let expression = 'undefined';
  if (compare !== undefined && !closures) {
    const analysis = analyzeFunction(compare as (...args: never[]) => unknown, `${WHERE}: compare`);
    if (analysis.async) throw new TypeError(`${WHERE}: compare must not be async: a comparator's result is needed at once`);
    expression = analysis.form === 'expression' ? `(${analysis.source})` : `Object.values({${analysis.source}})[0]`;
  }
  // The copy workers get, which the calling thread uses too; Weft's shareables (an AtomicInt32, a Mutex) stay the same object.
  const context = closures ? options.context : copyContext(WHERE, options.context);

  return (async () => {
    if (signal?.aborted) throw new AbortError(`${WHERE}: aborted before it started`, signal.reason);
    const list = array as AnyTypedArray & unknown[];
    const total = list.length;
    let values: unknown[] | undefined;
    let undefinedCount = 0;
    let scan = 0;
    // Numbers have no identity: an array of them is sorted as a Float64Array, like a typed array's items.
    if (!typed) while (scan < total && typeof list[scan] === 'number') scan++;
    const numbers = !typed && scan === total;
    // Array#sort's model: the items that are not undefined are sorted; undefined items, then holes, go last.
    if (!typed && !numbers) values = (list as unknown[]).slice();
    if (values?.includes(undefined) === true) {
      // (includes sees holes as undefined: only then is the array read item by item.)
      values = (list as unknown[]).slice(0, scan);
      for (; scan < total; scan++) {
        if (!(scan in list)) continue;
        const v = list[scan];
        if (v === undefined) undefinedCount++;
        else values.push(v);
      }
    }
    const keyed = values === undefined;
    const count = values === undefined ? total : values.length;
    // On the calling thread: inside a pool task, without shared memory, for few items, and for other items than
    // numbers unless threads share the heap (copying objects or strings to a worker costs more than sorting them).
    const onMain =
      currentScheduler() !== undefined || typeof SharedArrayBuffer !== 'function' || (inline === 'auto' && count < SEQUENTIAL_BELOW) || (!keyed && !closures);
    /** The sorted items; or, on the values path, their indices into `values`. */
    let sorted: ArrayLike<unknown>;
    try {
      if (values !== undefined && onMain && chunkSize === undefined) {
        // One run of items with identity, here: the built-in sort of the copy is that run's sort.
        const cmp = compare as SortCompare<unknown, unknown> | undefined;
        sorted = values.sort(cmp === undefined || context === undefined ? (cmp as ((a: unknown, b: unknown) => number) | undefined) : (a, b) => cmp(a, b, context));
        values = undefined;
      } else {
        const tag = typed ? (list as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] : keyed ? 'Float64Array' : 'Int32Array';
        const Kind = (globalThis as unknown as Record<string, TypedArrayClass & { BYTES_PER_ELEMENT: number }>)[tag] as TypedArrayClass & { BYTES_PER_ELEMENT: number };
        const inPlace = typed && typeof SharedArrayBuffer === 'function' && list.buffer instanceof SharedArrayBuffer;
        const first = inPlace ? list : buffer(Kind, count, !onMain);
        if (keyed && !inPlace) first.set(list);
        const order: Order = compare !== undefined ? 0 : !typed ? 3 : tag.startsWith('Float') ? 2 : 1;
        const kernel = compileKernel(order, keyed, compare, expression);
        const env: KernelEnv = { context, bufs: [first, buffer(Kind, count, !onMain)] };
        const envHere: KernelEnv = values === undefined ? env : { ...env, values };
        const here: RunRound = (tasks) => {
          for (const task of tasks) kernel.here(task, 0, envHere);
        };
        let onWorkers = here;
        let lanes = 1;
        if (!onMain) {
          // Each round is one parallelMap job over its tasks: one message per worker, buffers shared.
          const workers = await (pool === undefined ? defaultWorkers(choice) : pool.workerPool());
          lanes = Math.max(1, Math.min(concurrency ?? workers.size, workers.size));
          const fn = closures ? kernel.here : kernel.shipped;
          const mapOptions = {
            context: env,
            concurrency: lanes,
            chunkSize: 1,
            inline: 'never' as const,
            ...(signal === undefined ? {} : { signal }),
            ...(pool === undefined && options.backend !== undefined ? { backend: options.backend } : {}),
          };
          onWorkers = (tasks) => mapOnWorkers(WHERE, async () => workers, tasks, fn, mapOptions);
        }
        const at = await runSort({
          length: count,
          runLength: chunkSize ?? (onMain ? count : Math.ceil(count / lanes)),
          pieceLength: onMain || !keyed ? count : Math.ceil(count / lanes),
          here: kernel.here,
          env: envHere,
          runSorts: onWorkers,
          runMerges: keyed ? onWorkers : here,
          values,
        });
        sorted = env.bufs[at];
      }
    } catch (err) {
      throw failure(err, signal);
    }
    if (typed) {
      if (sorted !== list) list.set(sorted as AnyTypedArray);
      return list;
    }
    const out = list as unknown[];
    for (let k = 0; k < count; k++) out[k] = values === undefined ? sorted[k] : values[sorted[k] as number];
    for (let k = count; k < count + undefinedCount; k++) out[k] = undefined;
    for (let k = count + undefinedCount; k < total; k++) delete out[k];
    return list;
  })();
}
