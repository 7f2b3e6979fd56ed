/**
 * `Mutex`: mutual exclusion across the main thread and workers, on shared
 * memory. Protocol: `sync/README.md`.
 *
 * @module
 */
import { LockOwnershipError, PoisonError, TimeoutError } from '../errors.js';
import { decodeShareables, encodeShareables, registerShareable } from '../memory/shareable.js';
import { describeValue } from '../validate.js';
import { adoptDeadThreads, deadThreadsBuffer } from './dead-threads.js';
import { assertCanBlock, deadlineOf, runAsync, runBlocking, timeoutOf, type TimeoutOptions } from './futex.js';
import {
  LOCK_ID,
  OWNER_MASK,
  POISONED,
  POISONER,
  QUEUE_BASE,
  SPIN_ASYNC,
  SPIN_BLOCKING,
  STATE,
  TIMED_OUT,
  acquireSlow,
  releaseSlow,
} from './lock-word.js';
import { MutexGuard, type GuardedLock } from './mutex-guard.js';
import { currentThreadId } from './thread-id.js';
import { QUEUE_WORDS, initQueue } from './wait-queue.js';

/** Options of {@link Mutex.lock} and {@link Mutex.lockSync}. */
export interface LockOptions extends TimeoutOptions {
  /** Take the lock even if it is poisoned (to repair the data; then call `clearPoison()`). Default false. */
  readonly ignorePoison?: boolean;
}

const WORDS = QUEUE_BASE + QUEUE_WORDS;

/** Set by the codec's decode: the constructor adopts this memory instead of allocating. */
let reviving: SharedArrayBuffer | undefined;

function newLockId(): number {
  let id = 0;
  while (id === 0) id = (Math.random() * 0x7fff_ffff) | 0;
  return id;
}

function ignorePoisonOf(where: string, options: LockOptions | undefined): boolean {
  const ignore = options?.ignorePoison;
  if (ignore === undefined) return false;
  if (typeof ignore !== 'boolean') throw new TypeError(`${where}: ignorePoison must be a boolean, received ${describeValue(ignore)}`);
  return ignore;
}

interface SharedMutex {
  readonly buffer: SharedArrayBuffer;
  readonly value: unknown;
  readonly deadThreads: SharedArrayBuffer;
}

/**
 * A mutual-exclusion lock shared by the main thread and workers. Its state
 * lives in shared memory, so the same lock can be passed to tasks (as an
 * argument, or in `context`) and every copy locks the same
 * memory.
 *
 * - `await lock()` works on every thread; `lockSync()` blocks, and works
 *   where the thread may block (workers, Node's main thread).
 * - Waiters are served in FIFO order; a thread that keeps re-locking cannot
 *   starve them (after 1 ms a waiting head is handed the lock directly).
 * - It knows its owner: a second `lockSync()` by the holder throws a
 *   {@link LockOwnershipError} instead of deadlocking.
 * - A worker that dies holding it poisons it: waiters and later lockers get a
 *   {@link PoisonError}, never a hang.
 *
 * It may guard a value, reachable only through the guard: share a typed
 * array on a `SharedArrayBuffer` (or another shareable) so that every thread
 * sees the same data. Other values are copied to each worker.
 *
 * @typeParam T - the type of the guarded value.
 *
 * @example
 * ```ts
 * import { Mutex, parallelMap } from 'weftjs';
 *
 * const total = new Mutex(new Float64Array(new SharedArrayBuffer(8)));
 * await parallelMap([1, 2, 3], (x, _i, ctx) => {
 *   // In shipped functions: try/finally (compiled for Node 20, `using` calls helpers a worker cannot see).
 *   const g = ctx.total.lockSync();
 *   try {
 *     g.value[0] += x;
 *   } finally {
 *     g.unlock();
 *   }
 * }, { context: { total } });
 * using g = await total.lock();
 * console.log(g.value[0]); // 6
 * ```
 */
export class Mutex<T = undefined> {
  readonly #words: Int32Array;
  readonly #value: T;
  readonly #core: GuardedLock<T>;

  /**
   * @param value - what the lock guards (optional), reachable as `guard.value`.
   */
  constructor(value?: T) {
    const adopted = reviving;
    reviving = undefined;
    if (adopted) {
      this.#words = new Int32Array(adopted);
    } else {
      this.#words = new Int32Array(new SharedArrayBuffer(WORDS * 4));
      this.#words[LOCK_ID] = newLockId();
      initQueue(this.#words, QUEUE_BASE);
    }
    this.#value = value as T;
    const words = this.#words;
    this.#core = {
      guardedValue: this.#value,
      lockId: words[LOCK_ID] ?? 0,
      release: () => {
        const me = currentThreadId();
        // Fast release: publishes the critical section; nobody to wake (no flag was set).
        if (Atomics.compareExchange(words, STATE, me, 0) === me) return;
        if (!releaseSlow(words, me)) {
          throw new LockOwnershipError('Mutex: cannot unlock a lock that this thread does not hold');
        }
      },
      relockBlocking: () => {
        this.#acquire(runBlocking(acquireSlow(words, currentThreadId(), Infinity, SPIN_BLOCKING)), 'Condition.waitSync', false, Infinity);
      },
      relockAsync: async () => {
        this.#acquire(await runAsync(acquireSlow(words, currentThreadId(), Infinity, SPIN_ASYNC)), 'Condition.wait', false, Infinity);
      },
    };
  }

  /**
   * Lock, waiting (without blocking the thread) while another holder has it.
   *
   * @param options - `timeout` in ms (rejects with a {@link TimeoutError});
   *   `ignorePoison` to lock a poisoned Mutex.
   * @returns the guard: use `using g = await m.lock()`, or call `g.unlock()`.
   * @throws PoisonError (rejection) when a holder died and `ignorePoison` is not set.
   *
   * @example
   * ```ts
   * import { Mutex } from 'weftjs';
   * const m = new Mutex();
   * {
   *   using g = await m.lock({ timeout: 1000 });
   *   // critical section
   * }
   * ```
   */
  lock(options?: LockOptions): Promise<MutexGuard<T>> {
    if (options === undefined) {
      const me = currentThreadId();
      // Fast acquire: orders this critical section after the previous release.
      if (Atomics.compareExchange(this.#words, STATE, 0, me) === 0) return Promise.resolve(new MutexGuard(this.#core));
    }
    try {
      const timeout = timeoutOf('Mutex.lock', options);
      const ignorePoison = ignorePoisonOf('Mutex.lock', options);
      return runAsync(acquireSlow(this.#words, currentThreadId(), deadlineOf(timeout), SPIN_ASYNC)).then((state) =>
        this.#acquire(state, 'Mutex.lock', ignorePoison, timeout),
      );
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * Lock, blocking the thread while another holder has it. For workers (and
   * Node's main thread); throws a `TypeError` where the thread may not
   * block, such as a browser's main thread.
   *
   * @throws LockOwnershipError when this thread already holds the lock (it would deadlock).
   * @throws TimeoutError when `timeout` passes first.
   * @throws PoisonError when a holder died and `ignorePoison` is not set.
   *
   * @example
   * ```ts
   * import { Mutex, parallelMap } from 'weftjs';
   * const m = new Mutex(new Int32Array(new SharedArrayBuffer(4)));
   * await parallelMap([1, 2], (_x, _i, ctx) => {
   *   const g = ctx.m.lockSync();
   *   try {
   *     g.value[0]++;
   *   } finally {
   *     g.unlock();
   *   }
   * }, { context: { m } });
   * ```
   */
  lockSync(options?: LockOptions): MutexGuard<T> {
    const me = currentThreadId();
    // Fast acquire: orders this critical section after the previous release.
    if (options === undefined && Atomics.compareExchange(this.#words, STATE, 0, me) === 0) return new MutexGuard(this.#core);
    const timeout = timeoutOf('Mutex.lockSync', options);
    const ignorePoison = ignorePoisonOf('Mutex.lockSync', options);
    assertCanBlock('Mutex.lockSync');
    if ((Atomics.load(this.#words, STATE) & OWNER_MASK) === me) {
      throw new LockOwnershipError('Mutex.lockSync: this thread already holds the lock; locking it again would deadlock');
    }
    return this.#acquire(runBlocking(acquireSlow(this.#words, me, deadlineOf(timeout), SPIN_BLOCKING)), 'Mutex.lockSync', ignorePoison, timeout);
  }

  /**
   * Lock if the lock is free now; never waits.
   *
   * @returns the guard, or `null` when another holder has the lock.
   * @throws PoisonError when a holder died and `ignorePoison` is not set.
   *
   * @example
   * ```ts
   * import { Mutex } from 'weftjs';
   * const m = new Mutex();
   * const g = m.tryLock();
   * if (g) { try { /* critical section *\/ } finally { g.unlock(); } }
   * ```
   */
  tryLock(options?: Pick<LockOptions, 'ignorePoison'>): MutexGuard<T> | null {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`Mutex.tryLock: options must be an object, received ${describeValue(options)}`);
    }
    const ignorePoison = ignorePoisonOf('Mutex.tryLock', options);
    const me = currentThreadId();
    for (;;) {
      const s = Atomics.load(this.#words, STATE);
      // Only a free, non-starving lock may be taken without queueing (STARVING: owed to the queue head).
      if ((s & ~POISONED) !== 0) return null;
      if (Atomics.compareExchange(this.#words, STATE, s, s | me) === s) return this.#acquire(s | me, 'Mutex.tryLock', ignorePoison, 0);
    }
  }

  /** Whether a holder died while holding this lock (and `clearPoison()` was not called since). */
  get isPoisoned(): boolean {
    return (Atomics.load(this.#words, STATE) & POISONED) !== 0;
  }

  /** Whether some thread holds the lock right now (a snapshot, for diagnostics). */
  get isLocked(): boolean {
    return (Atomics.load(this.#words, STATE) & OWNER_MASK) !== 0;
  }

  /**
   * Mark the lock healthy again after repairing what a dead holder left
   * half-done (see {@link PoisonError}).
   *
   * @example
   * ```ts
   * import { Mutex } from 'weftjs';
   * const m = new Mutex();
   * if (m.isPoisoned) {
   *   using g = await m.lock({ ignorePoison: true });
   *   m.clearPoison();
   * }
   * ```
   */
  clearPoison(): void {
    // Clears only the flag; ordered with every lock-word update (seq-cst).
    Atomics.and(this.#words, STATE, ~POISONED);
  }

  /** Finish an acquisition: a guard, or the PoisonError/TimeoutError it ended with. */
  #acquire(state: number, where: string, ignorePoison: boolean, timeout: number): MutexGuard<T> {
    if (state === TIMED_OUT) throw new TimeoutError(`${where}: could not lock within ${timeout} ms`, timeout);
    if ((state & POISONED) !== 0 && !ignorePoison) {
      const poisoner = Atomics.load(this.#words, POISONER);
      this.#core.release();
      throw new PoisonError(
        `${where}: the lock is poisoned: thread ${poisoner} died while holding it; lock with { ignorePoison: true } to repair the data, then call clearPoison()`,
        poisoner,
      );
    }
    return new MutexGuard(this.#core);
  }

  static {
    registerShareable<Mutex<unknown>, SharedMutex>({
      name: 'weft.Mutex',
      type: Mutex,
      encode: (m) => ({ buffer: m.#words.buffer as SharedArrayBuffer, value: encodeShareables(m.#value), deadThreads: deadThreadsBuffer() }),
      decode: (state) => {
        adoptDeadThreads(state.deadThreads);
        // Decode the value first: it may revive shareables of its own.
        const value = decodeShareables(state.value);
        reviving = state.buffer;
        return new Mutex(value);
      },
    });
  }
}
