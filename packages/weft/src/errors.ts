/**
 * Every error class Weft throws. Each has a stable `code` a caller can switch
 * on, and carries the data needed to recover.
 *
 * @module
 */

/** The stable codes of Weft's own errors. */
export type WeftErrorCode =
  | 'WEFT_TASK_FAILED'
  | 'WEFT_WORKER_EXIT'
  | 'WEFT_ABORTED'
  | 'WEFT_BACKEND_UNAVAILABLE'
  | 'WEFT_POOL_CLOSED';

/**
 * Base class of the errors Weft raises for its own reasons (not the
 * `TypeError`/`RangeError` it throws for bad arguments).
 *
 * @example
 * ```ts
 * import { parallelMap, WeftError } from 'weft';
 * try {
 *   await parallelMap([1, 2], (x) => { if (x === 2) throw new Error('no'); return x; });
 * } catch (err) {
 *   if (err instanceof WeftError) console.log(err.code); // 'WEFT_TASK_FAILED'
 * }
 * ```
 */
export class WeftError extends Error {
  /** A stable, machine-readable code. */
  readonly code: WeftErrorCode;

  constructor(code: WeftErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * A user function failed inside a worker. `cause` is the original error,
 * rebuilt on the caller's side with its class name, message, `code`, `cause`,
 * own properties and the worker's stack. `index` is the item's position in
 * the input of `parallelMap`.
 *
 * @example
 * ```ts
 * import { parallelMap, TaskError } from 'weft';
 * try {
 *   await parallelMap(['1', 'x'], (s) => { if (isNaN(+s)) throw new RangeError(`bad ${s}`); return +s; },
 *     { inline: 'never' });
 * } catch (err) {
 *   if (err instanceof TaskError) {
 *     console.log(err.index);                       // 1
 *     console.log((err.cause as Error).name);       // 'RangeError'
 *   }
 * }
 * ```
 */
export class TaskError extends WeftError {
  /** Index of the item whose call failed, when the failure belongs to one item. */
  readonly index: number | undefined;

  constructor(message: string, cause: unknown, index?: number) {
    super('WEFT_TASK_FAILED', message, { cause });
    this.index = index;
  }
}

/**
 * A worker exited (crashed, called `process.exit`, ran out of memory) while it
 * was running work. Only the work it held fails; the pool replaces it.
 *
 * @example
 * ```ts
 * import { parallelMap, WorkerExitError } from 'weft';
 * try {
 *   await parallelMap([1], () => { (globalThis as any).process.exit(3); }, { inline: 'never' });
 * } catch (err) {
 *   if (err instanceof WorkerExitError) console.log(err.exitCode); // 3
 * }
 * ```
 */
export class WorkerExitError extends WeftError {
  /** The exit code the worker reported, or `null` when the platform gives none. */
  readonly exitCode: number | null;

  constructor(message: string, exitCode: number | null, options?: { cause?: unknown }) {
    super('WEFT_WORKER_EXIT', message, options);
    this.exitCode = exitCode;
  }
}

/**
 * The operation was aborted through its `AbortSignal`. `cause` is the
 * signal's `reason`.
 *
 * @example
 * ```ts
 * import { parallelMap, AbortError } from 'weft';
 * const ac = new AbortController();
 * const run = parallelMap([1, 2, 3], (x) => x, { signal: ac.signal });
 * ac.abort();
 * await run.catch((err) => console.log(err instanceof AbortError)); // true
 * ```
 */
export class AbortError extends WeftError {
  constructor(message: string, reason?: unknown) {
    super('WEFT_ABORTED', message, reason === undefined ? undefined : { cause: reason });
  }
}

/**
 * The backend that was asked for (by option or `WEFT_BACKEND`) does not exist
 * on this platform.
 *
 * @example
 * ```ts
 * import { parallelMap, BackendUnavailableError } from 'weft';
 * await parallelMap([1], (x) => x, { backend: 'native' }).catch((err) => {
 *   if (err instanceof BackendUnavailableError) console.log(err.backend); // 'native'
 * });
 * ```
 */
export class BackendUnavailableError extends WeftError {
  /** The backend that was requested. */
  readonly backend: string;

  constructor(backend: string, message: string) {
    super('WEFT_BACKEND_UNAVAILABLE', message);
    this.backend = backend;
  }
}

/**
 * Work was submitted to a pool that has been closed or terminated, or that was
 * terminated while the work was pending.
 *
 * @example
 * ```ts
 * import { PoolClosedError } from 'weft';
 * const err = new PoolClosedError('the pool was terminated');
 * console.log(err.code); // 'WEFT_POOL_CLOSED'
 * ```
 */
export class PoolClosedError extends WeftError {
  constructor(message: string) {
    super('WEFT_POOL_CLOSED', message);
  }
}
