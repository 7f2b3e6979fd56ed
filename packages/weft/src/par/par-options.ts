/**
 * The options of `par`, and their checked form that every link of a chain
 * shares.
 *
 * @module
 */
import { backendChoice, expectsNativeBackend } from '../backend/select-backend.js';
import type { ParallelMapOptions } from '../map/map-on-workers.js';
import { Pool } from '../pool/pool.js';
import { checkFunction, checkInteger, checkOneOf, checkSignal, describeValue, toIndexable } from '../validate.js';

/**
 * Options of {@link par}: those of {@link parallelMap}, and the pool to run on.
 *
 * `chunkSize` is the number of source items each chunk holds: a chunk is
 * the unit a worker runs all stages over in one pass, and the unit a
 * short-circuiting terminal skips. Default: the source cut into about 16
 * chunks per worker.
 */
export interface ParOptions<C = undefined> extends ParallelMapOptions<C> {
  /** Run on this pool's workers instead of the default pool (then `backend` is the pool's, and must not be given). */
  readonly pool?: Pool;
}

/** What a chain knows about its source and options, checked at `par`. */
export interface ChainPlan {
  /** The source, as an indexable list (an iterable is read once, at `par`; an array of numbers is copied to shared memory). */
  readonly items: ArrayLike<unknown>;
  /** The whole source travels once, in the chunk function's environment (shared memory, or a shared heap), and chunks are index ranges. */
  readonly inPlace: boolean;
  /** User functions run as the closures they are (native threads were asked for); otherwise they travel as source and must capture nothing. */
  readonly closures: boolean;
  readonly concurrency: number | undefined;
  readonly chunkSize: number | undefined;
  readonly pool: Pool | undefined;
  readonly options: ParOptions<unknown>;
}

function isSharedTypedArray(items: unknown): boolean {
  return (
    typeof SharedArrayBuffer === 'function' &&
    ArrayBuffer.isView(items) &&
    !(items instanceof DataView) &&
    (items as { buffer: unknown }).buffer instanceof SharedArrayBuffer
  );
}

/**
 * An array of numbers copied once into a `Float64Array` on shared memory,
 * which every chunk then reads in place: the same values (a double holds
 * any number exactly, `-0` and `NaN` included) without cloning each chunk's
 * slice for a worker, which costs more than trivial stages do. Undefined for
 * any other array, or where there is no shared memory.
 */
function sharedNumbers(items: ArrayLike<unknown>): Float64Array | undefined {
  if (!Array.isArray(items) || items.length === 0 || typeof SharedArrayBuffer !== 'function') return undefined;
  const n = items.length;
  for (let i = 0; i < n; i++) if (typeof items[i] !== 'number') return undefined;
  const shared = new Float64Array(new SharedArrayBuffer(n * Float64Array.BYTES_PER_ELEMENT));
  shared.set(items as number[]);
  return shared;
}

/** Check `par`'s arguments; throws a `TypeError` or `RangeError` naming what was wrong. */
export function planChain(where: string, items: unknown, options: unknown): ChainPlan {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options must be an object, received ${describeValue(options)}`);
  }
  const opts = options as ParOptions<unknown>;
  const list = toIndexable(where, items);
  const choice = backendChoice(where, opts.backend);
  if (opts.pool !== undefined && !(opts.pool instanceof Pool)) {
    throw new TypeError(`${where}: pool must be a Pool, received ${describeValue(opts.pool)}`);
  }
  if (opts.pool !== undefined && opts.backend !== undefined) {
    throw new TypeError(`${where}: give either pool or backend, not both: a pool runs on its own backend (received backend ${describeValue(opts.backend)})`);
  }
  const concurrency = opts.concurrency === undefined ? undefined : checkInteger(where, 'concurrency', opts.concurrency, 1);
  const chunkSize = opts.chunkSize === undefined ? undefined : checkInteger(where, 'chunkSize', opts.chunkSize, 1);
  if (opts.inline !== undefined) checkOneOf(where, 'inline', opts.inline, ['auto', 'never']);
  if (opts.signal !== undefined) checkSignal(where, opts.signal);
  if (opts.onProgress !== undefined) checkFunction(where, 'onProgress', opts.onProgress);
  // A pool's backend is its own; only the default pool's is known from the choice here.
  const closures = opts.pool === undefined && expectsNativeBackend(choice);
  const numbers = closures ? undefined : sharedNumbers(list);
  return {
    items: numbers ?? list,
    inPlace: closures || numbers !== undefined || isSharedTypedArray(list),
    closures,
    concurrency,
    chunkSize,
    pool: opts.pool,
    options: opts,
  };
}
