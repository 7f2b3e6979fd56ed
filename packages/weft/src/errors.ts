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
  | 'WEFT_POOL_CLOSED'
  | 'WEFT_POISONED'
  | 'WEFT_TIMEOUT'
  | 'WEFT_LOCK_OWNERSHIP'
  | 'WEFT_QUEUE_FULL'
  | 'WEFT_TASK_TIMEOUT'
  | 'WEFT_CHANNEL_CLOSED';

/**
 * Each code's class name, written out: a minifier that renames classes (an
 * app's bundler, or the worker runtime's build) must not change `err.name`.
 */
const NAMES: Record<WeftErrorCode, string> = {
  WEFT_TASK_FAILED: 'TaskError',
  WEFT_WORKER_EXIT: 'WorkerExitError',
  WEFT_ABORTED: 'AbortError',
  WEFT_BACKEND_UNAVAILABLE: 'BackendUnavailableError',
  WEFT_POOL_CLOSED: 'PoolClosedError',
  WEFT_POISONED: 'PoisonError',
  WEFT_TIMEOUT: 'TimeoutError',
  WEFT_LOCK_OWNERSHIP: 'LockOwnershipError',
  WEFT_QUEUE_FULL: 'QueueFullError',
  WEFT_TASK_TIMEOUT: 'TaskTimeoutError',
  WEFT_CHANNEL_CLOSED: 'ChannelClosedError',
};

/** Weft's own error classes (filled in below, once they exist). */
const OWN_CLASSES = new Set<Function>();

/**
 * Base class of the errors Weft raises for its own reasons (not the
 * `TypeError`/`RangeError` it throws for bad arguments).
 *
 * @example
 * ```ts
 * import { parallelMap, WeftError } from 'weftjs';
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
    // Weft's own classes by their written-out names; a user's subclass keeps its class's own name.
    this.name = new.target === WeftError ? 'WeftError' : OWN_CLASSES.has(new.target) ? NAMES[code] : new.target.name;
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
 * import { parallelMap, TaskError } from 'weftjs';
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
 * import { parallelMap, WorkerExitError } from 'weftjs';
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
 * import { parallelMap, AbortError } from 'weftjs';
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
 * import { parallelMap, BackendUnavailableError } from 'weftjs';
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
 * import { PoolClosedError } from 'weftjs';
 * const err = new PoolClosedError('the pool was terminated');
 * console.log(err.code); // 'WEFT_POOL_CLOSED'
 * ```
 */
export class PoolClosedError extends WeftError {
  constructor(message: string) {
    super('WEFT_POOL_CLOSED', message);
  }
}

/**
 * A task was submitted while the pool already held `maxQueue` tasks waiting
 * to start. Wait for `pool.drained()` and submit again.
 *
 * @example
 * ```ts
 * import { Pool, QueueFullError } from 'weftjs';
 * const pool = new Pool({ maxQueue: 0 });
 * await pool.run((x: number) => x, 1).catch((err) => console.log(err instanceof QueueFullError)); // true
 * ```
 */
export class QueueFullError extends WeftError {
  /** The pool's `maxQueue`. */
  readonly maxQueue: number;

  constructor(message: string, maxQueue: number) {
    super('WEFT_QUEUE_FULL', message);
    this.maxQueue = maxQueue;
  }
}

/**
 * A task ran longer than its `timeout` (counted from when it started).
 *
 * @example
 * ```ts
 * import { Pool, TaskTimeoutError } from 'weftjs';
 * const pool = new Pool();
 * await pool.runWith({ timeout: 10 }, (signal: AbortSignal) => { while (!signal.aborted) {} })
 *   .catch((err) => console.log(err instanceof TaskTimeoutError)); // true
 * ```
 */
export class TaskTimeoutError extends WeftError {
  /** The timeout that was exceeded (ms). */
  readonly timeout: number;

  constructor(message: string, timeout: number) {
    super('WEFT_TASK_TIMEOUT', message);
    this.timeout = timeout;
  }
}

/**
 * A Mutex or RwLock is poisoned: a thread died while holding it, so the data
 * it guards may be half-updated. Thrown by every later attempt to lock it
 * (the lock is *not* held when this is thrown). To go on anyway, lock with
 * `{ ignorePoison: true }`, repair the data, and call `clearPoison()`.
 *
 * @example
 * ```ts
 * import { Mutex, PoisonError } from 'weftjs';
 * const m = new Mutex();
 * try {
 *   using g = await m.lock();
 * } catch (err) {
 *   if (err instanceof PoisonError) {
 *     using g = await m.lock({ ignorePoison: true }); // repair the guarded data here
 *     m.clearPoison();
 *   }
 * }
 * ```
 */
export class PoisonError extends WeftError {
  /** The thread id of the holder that died (0 when unknown). */
  readonly threadId: number;

  constructor(message: string, threadId: number) {
    super('WEFT_POISONED', message);
    this.threadId = threadId;
  }
}

/**
 * A lock, wait or acquire with a `timeout` did not succeed in time. Where a
 * lock was held on entry (`Condition.wait`), it is held again when this is
 * thrown.
 *
 * @example
 * ```ts
 * import { Mutex, TimeoutError } from 'weftjs';
 * const m = new Mutex();
 * const held = await m.lock();
 * await m.lock({ timeout: 10 }).catch((err) => console.log(err instanceof TimeoutError)); // true
 * held.unlock();
 * ```
 */
export class TimeoutError extends WeftError {
  /** The timeout that passed (ms). */
  readonly timeout: number;

  constructor(message: string, timeout: number) {
    super('WEFT_TIMEOUT', message);
    this.timeout = timeout;
  }
}

/**
 * A lock was used by a thread in a way its ownership forbids: unlocking a
 * guard that no longer holds the lock (a second `unlock()`), or a blocking
 * `lockSync()` by the thread that already holds the lock (which would
 * deadlock).
 *
 * @example
 * ```ts
 * import { Mutex, LockOwnershipError } from 'weftjs';
 * const g = await new Mutex().lock();
 * g.unlock();
 * try { g.unlock(); } catch (err) { console.log(err instanceof LockOwnershipError); } // true
 * ```
 */
export class LockOwnershipError extends WeftError {
  constructor(message: string) {
    super('WEFT_LOCK_OWNERSHIP', message);
  }
}

/**
 * A channel operation met a closed channel: a send after `close()` (or a
 * blocked send woken by it), or a receive once the channel is closed and
 * drained. `value` is the value that was not sent (`undefined` for
 * receives), so a producer can keep or redirect it.
 *
 * @example
 * ```ts
 * import { Channel, ChannelClosedError } from 'weftjs';
 * const ch = new Channel<string>(1);
 * ch.close();
 * await ch.send('job').catch((err) => {
 *   if (err instanceof ChannelClosedError) console.log(err.value); // 'job'
 * });
 * ```
 */
export class ChannelClosedError extends WeftError {
  /** The value that was not sent; `undefined` when a receive failed. */
  readonly value: unknown;

  constructor(message: string, value?: unknown) {
    super('WEFT_CHANNEL_CLOSED', message);
    this.value = value;
  }
}

for (const own of [TaskError, WorkerExitError, AbortError, BackendUnavailableError, PoolClosedError, QueueFullError, TaskTimeoutError, PoisonError, TimeoutError, LockOwnershipError, ChannelClosedError]) OWN_CLASSES.add(own);
