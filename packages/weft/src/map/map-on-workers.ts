/**
 * The body of `parallelMap` and `Pool.map`: checks, the calling-thread probe,
 * and the dispatch of chunks to a set of workers.
 *
 * @module
 */
import type { BackendKind } from '../backend/backend.js';
import { backendChoice, expectsNativeBackend, type BackendChoice } from '../backend/select-backend.js';
import { describeThrown } from '../codec/error-codec.js';
import { AbortError } from '../errors.js';
import type { WorkerPool } from '../backend/worker-pool.js';
import type { FunctionRef } from '../protocol.js';
import { functionRef } from '../task/function-ref.js';
import { decodeShareables, encodeShareables } from '../memory/shareable.js';
import { moduleRefOf, type ModuleRef } from '../task/define-task.js';
import { refuseDuringTaskImport } from '../task/task-import-guard.js';
import { isTypeScriptModule, runtimeStripsTypes } from '../task/typescript-modules.js';
import { checkFunction, checkInteger, checkOneOf, checkSignal, describeValue, toIndexable } from '../validate.js';
import { dispatchMap } from './dispatch-map.js';
import { mapNested } from './nested-map.js';
import { currentScheduler } from '../task/current-scheduler.js';
import { crossingCostMs, knownExpensiveCost, minChunkFor, rememberCost, worthGoingParallel } from './plan-map.js';
import { inlineLoop, probeInline, runInline, settleInline } from './run-inline.js';
import { canBlock } from '../sync/futex.js';


/** The function `parallelMap` runs for each item. It must capture nothing: pass values through `context`. */
export type MapFn<T, R, C> = (item: T, index: number, context: C) => R | PromiseLike<R>;

/** Options of {@link parallelMap}. */
export interface ParallelMapOptions<C = undefined> {
  /**
   * Values the function needs, passed as its third argument. Sent once to
   * each worker per call (never per item); must be structured-cloneable.
   * Typed arrays on a `SharedArrayBuffer` are shared, not copied.
   */
  readonly context?: C;
  /** At most this many workers run the call. Default: the pool's size (the machine's parallelism). */
  readonly concurrency?: number;
  /**
   * Items per chunk a worker claims at a time. Default: adaptive (guided
   * chunks that start large and shrink, never below what a measured item
   * cost makes worthwhile).
   */
  readonly chunkSize?: number;
  /** Aborting rejects the call with an `AbortError` at once; workers stop, or are replaced if they do not. */
  readonly signal?: AbortSignal;
  /** Called on the calling thread as results arrive, with the number of items finished so far. */
  readonly onProgress?: (done: number, total: number) => void;
  /** `'workers'`, `'native'`, or `'auto'` (default: `WEFT_BACKEND`, else auto-detect). */
  readonly backend?: 'auto' | BackendKind;
  /**
   * `'auto'` (default): the first items run on the calling thread to measure
   * their cost; when going parallel would cost more than it saves, the rest
   * run there too. `'never'`: every item runs on a worker.
   */
  readonly inline?: 'auto' | 'never';
}


/**
 * Whether a module function must never run on the calling thread: a
 * `fromModule` export, and a TypeScript task module where the runtime does
 * not strip types (whether a worker can load it, tsx can and ts-node cannot,
 * must decide the outcome for every input size, not only for items that
 * reach a worker).
 */
export function runsOnWorkersOnly(ref: ModuleRef | undefined): boolean {
  return ref !== undefined && (ref.kind === 'module' || (isTypeScriptModule(ref.url) && !runtimeStripsTypes()));
}

/** Where `mapOnWorkers` gets its workers: the pool for a backend choice (at once when it is already running). */
export type WorkersFor = (choice: BackendChoice) => WorkerPool | Promise<WorkerPool>;

/** `parallelMap` on the workers `workersFor` gives; `where` names the caller in messages. */
export function mapOnWorkers<T, R, C = undefined>(
  where: string,
  workersFor: WorkersFor,
  items: Iterable<T> | ArrayLike<T>,
  fn: MapFn<T, R, C>,
  options: ParallelMapOptions<C> = {},
  nestInTasks = false,
): Promise<Awaited<R>[]> {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options must be an object, received ${describeValue(options)}`);
  }
  refuseDuringTaskImport(where);
  const list = toIndexable<T>(where, items);
  const choice = backendChoice(where, options.backend);
  checkFunction(where, 'fn', fn);
  const concurrency = options.concurrency === undefined ? undefined : checkInteger(where, 'concurrency', options.concurrency, 1);
  const chunkSize = options.chunkSize === undefined ? 0 : checkInteger(where, 'chunkSize', options.chunkSize, 1);
  const inline = options.inline === undefined ? 'auto' : checkOneOf(where, 'inline', options.inline, ['auto', 'never']);
  if (options.signal !== undefined) checkSignal(where, options.signal);
  if (options.onProgress !== undefined) checkFunction(where, 'onProgress', options.onProgress);
  // On workers the function travels as source: refuse what cannot travel now, before any work starts.
  // Where native threads are expected (the choice, or auto with the Thread API), closures run as they are.
  const expectsNative = expectsNativeBackend(choice);
  const workersRef = expectsNative ? undefined : functionRef(where, fn, false);
  // Shared-heap threads get the context itself; workers a copy, which the calling thread uses too.
  const context = expectsNative ? undefined : copyContext(where, options.context);
  // Inside a pool task, the call runs on that task's pool (rayon's nesting); no pool starts in a worker.
  const scheduler = nestInTasks ? currentScheduler() : undefined;
  if (scheduler) {
    return mapNested<Awaited<R>>(where, scheduler, list, fn as (...args: unknown[]) => unknown, workersRef ?? functionRef(where, fn, false), {
      context: scheduler.sharesHeap ? options.context : (context ?? copyContext(where, options.context)),
      chunkSize,
      concurrency,
      signal: options.signal,
      onProgress: options.onProgress,
    });
  }
  return run(where, workersFor, list, fn, options, { choice, concurrency, chunkSize, inline, context, workersRef });
}

/**
 * The context as workers will see it, for the calling thread too: a
 * structured clone with shareables revived over the same memory. Throws a
 * `TypeError` naming what cannot be cloned.
 */
export function copyContext<C>(where: string, context: C): C | undefined {
  if (context === undefined) return undefined;
  const flat = flatCopy(context);
  if (flat !== undefined) return flat;
  try {
    return decodeShareables(structuredClone(encodeShareables(context))) as C;
  } catch (err) {
    throw new TypeError(`${where}: context must be structured-cloneable (${describeThrown(err)}), received ${describeValue(context)}`);
  }
}

/**
 * A plain object whose enumerable own values are all primitives, copied by
 * spread: the same result as a structured clone (own enumerable string keys
 * in order, prototype `Object.prototype`), for a fraction of the cost, and
 * under the original's hidden class, so a function reading both the caller's
 * context and this copy stays monomorphic. A call over 3 items with
 * `{ iterations, label }` as its context took 3.4-4.0 us with the clone and
 * 1.7-1.8 us with this (1.4-1.6 us without a context). Undefined for
 * anything else, which gets the structured clone.
 *
 * @example
 * ```ts
 * flatCopy({ iterations: 300, label: 'a' }); // a copy, by spread
 * flatCopy({ weights: [1, 2] }); // undefined: nested
 * ```
 */
function flatCopy<C>(context: C): C | undefined {
  if (typeof context !== 'object' || context === null || Object.getPrototypeOf(context) !== Object.prototype) return undefined;
  const copy = { ...context } as Record<string | symbol, unknown>;
  // A symbol key is dropped by a structured clone but kept by spread.
  if (Object.getOwnPropertySymbols(copy).length > 0) return undefined;
  for (const key in copy) {
    const value = copy[key];
    if ((typeof value === 'object' && value !== null) || typeof value === 'function' || typeof value === 'symbol') return undefined;
  }
  return copy as C;
}

interface Resolved<C> {
  readonly choice: ReturnType<typeof backendChoice>;
  readonly concurrency: number | undefined;
  readonly chunkSize: number;
  readonly inline: 'auto' | 'never';
  /** The workers' copy of the context (made at the call), or undefined where native threads were expected. */
  readonly context: C | undefined;
  readonly workersRef: FunctionRef | undefined;
}

async function run<T, R, C>(
  where: string,
  workersFor: WorkersFor,
  items: ArrayLike<T>,
  fn: MapFn<T, R, C>,
  options: ParallelMapOptions<C>,
  resolved: Resolved<C>,
): Promise<Awaited<R>[]> {
  const { signal, onProgress } = options;
  const total = items.length;
  const results = new Array<unknown>(total);
  if (signal?.aborted) throw new AbortError(`${where}: aborted before it started`, signal.reason);
  if (total === 0) return results as Awaited<R>[];

  const found = workersFor(resolved.choice);
  const pool = found instanceof Promise ? await found : found;
  const backend = pool.backend;
  const participants = Math.max(1, Math.min(resolved.concurrency ?? pool.size, pool.size));
  const ctx = (backend.kind === 'native' ? options.context : (resolved.context ?? copyContext(where, options.context))) as C;

  // Probe: run the first items here, doubling the batch until the budget is spent.
  let next = 0;
  let perItemMs: number | undefined;
  const local = runsOnWorkersOnly(moduleRefOf(fn)) ? undefined : fn;
  // Items run here cross as they would to a worker (copied, results checked); shared-heap threads share both.
  const copies = backend.kind !== 'native';
  // Where this thread may not block (a browser's main thread), items never run here: they may use blocking APIs.
  const probes = resolved.inline === 'auto' && local !== undefined && resolved.chunkSize === 0 && canBlock();
  // A function whose items cost milliseconds last time goes straight to the workers: probing its first
  // item here would keep them idle that long (64 items of 20 ms: 20 ms, 3% of the call).
  const known = probes && total > 1 ? knownExpensiveCost(fn) : undefined;
  if (known !== undefined) perItemMs = known;
  else if (probes && local) {
    const loop = inlineLoop(local);
    // The probe proper (run-inline.ts): synchronous, apart from this async function.
    const probed = probeInline(where, items, local, ctx, results, copies, loop);
    next = probed.next;
    perItemMs = probed.perItemMs;
    let sawAsync = false;
    if (probed.pending) {
      // Async work: settle this one, and let workers run the rest concurrently.
      await settleInline(where, results, next - 1, copies);
      sawAsync = true;
    }
    perItemMs ??= 0;
    rememberCost(fn, perItemMs);
    const plan = { perItemMs, remaining: total - next, participants, coldWorkers: Math.max(0, participants - pool.started) };
    // Timing the crossing costs four clones of a sample (25 us for 128 numbers): not for a job too small to go
    // parallel even if its items crossed for free (1,000 items of 1 us ran at 0.95x items.map, 0.975x without).
    const stayLocal =
      !sawAsync &&
      (!worthGoingParallel({ ...plan, crossingMs: 0 }) ||
        (copies && next < total && !worthGoingParallel({ ...plan, crossingMs: crossingCostMs(items, results, next) })));
    if (stayLocal || next === total) {
      while (next < total) {
        const step = runInline(where, items, local, ctx, results, next, total, copies, loop);
        next = step.next;
        if (step.pending) await settleInline(where, results, next - 1, copies);
      }
      onProgress?.(total, total);
      return results as Awaited<R>[];
    }
    if (signal?.aborted) throw new AbortError(`${where}: aborted`, signal.reason);
  }

  const ref = resolved.workersRef ?? functionRef(where, fn, backend.kind === 'native');
  const sent = total - next;
  const dispatchedAt = performance.now();
  await dispatchMap({
    where,
    pool,
    fn: backend.kind === 'native' && ref.kind === 'source' ? { kind: 'closure', fn } : ref,
    items,
    context: ctx,
    start: next,
    results,
    participants: Math.min(participants, total - next),
    minChunk: minChunkFor(perItemMs),
    fixedChunk: resolved.chunkSize,
    signal,
    onProgress,
  });
  // What the items cost on the workers, dispatch included: cheap items again send the next call to the probe.
  if (probes) rememberCost(fn, ((performance.now() - dispatchedAt) * Math.min(participants, sent)) / sent);
  return results as Awaited<R>[];
}
