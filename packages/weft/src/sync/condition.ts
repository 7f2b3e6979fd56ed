/**
 * `Condition`: wait until another thread says something changed.
 *
 * @module
 */
import { TimeoutError } from '../errors.js';
import { registerShareable } from '../memory/shareable.js';
import { describeValue } from '../validate.js';
import { assertCanBlock, runAsync, runBlocking, futexWait, timeoutOf, type FutexOutcome, type FutexSteps, type TimeoutOptions, futexNotify } from './futex.js';
import { MutexGuard, type GuardedLock } from './mutex-guard.js';
import { LockOwnershipError } from '../errors.js';

/** Bumped by every notify; waiters sleep while it still has the value they read under the lock. */
const SEQ = 0;
/** The lock id of the Mutex this Condition is used with (0 until the first wait). */
const BOUND = 1;
const WORDS = 2;

let reviving: SharedArrayBuffer | undefined;

function* sleepWhile(words: Int32Array, seq: number, timeout: number): FutexSteps<FutexOutcome> {
  // Woken by notifyOne/notifyAll (notify on SEQ); returns at once if SEQ already moved.
  return yield futexWait(words, SEQ, seq, timeout);
}

/**
 * A condition variable: threads holding a {@link Mutex} wait on it until
 * another thread changes the guarded state and notifies. Waiting releases
 * the lock and takes it again before returning, so the caller re-checks its
 * condition with the lock held. Waits may end without a notify (a
 * "spurious" wake-up), so always wait in a loop.
 *
 * A Condition is used with one Mutex: the first `wait` binds it, and a guard
 * of another Mutex is refused with a `TypeError`. It can be passed to tasks
 * like the Mutex (same shared memory). Sleeping waiters are woken in the
 * order they began to wait.
 *
 * @example
 * ```ts
 * import { Condition, Mutex } from 'weftjs';
 * const state = new Mutex(new Int32Array(new SharedArrayBuffer(4)));
 * const changed = new Condition();
 * // consumer
 * {
 *   using g = await state.lock();
 *   while (g.value[0] === 0) await changed.wait(g);
 * }
 * // producer (another task or thread): set the flag under the lock, then notify
 * // const g = state.lockSync(); try { g.value[0] = 1; } finally { g.unlock(); } changed.notifyAll();
 * ```
 */
export class Condition {
  readonly #words: Int32Array;

  /** A new condition variable; it binds to the Mutex of the first guard it waits with. */
  constructor() {
    const adopted = reviving;
    reviving = undefined;
    this.#words = new Int32Array(adopted ?? new SharedArrayBuffer(WORDS * 4));
  }

  /**
   * Release the guard's lock, wait (without blocking the thread) for a
   * notify, then take the lock again. The guard is valid again when this
   * settles, even when it rejects with a {@link TimeoutError}.
   *
   * @param guard - a held guard of the Mutex this Condition is used with.
   * @param options - `timeout` in ms: rejects with a `TimeoutError` (lock held again) when no notify came.
   * @throws TypeError for a value that is not a guard, or a guard of another Mutex.
   * @throws PoisonError when the lock was poisoned while waiting (the guard then is not held).
   *
   * @example
   * ```ts
   * import { Condition, Mutex } from 'weftjs';
   * const m = new Mutex();
   * const c = new Condition();
   * using g = await m.lock();
   * await c.wait(g, { timeout: 10 }).catch(() => {}); // TimeoutError: nobody notified
   * ```
   */
  async wait(guard: MutexGuard<unknown>, options?: TimeoutOptions): Promise<void> {
    const lock = this.#bind(guard, 'Condition.wait');
    const timeout = timeoutOf('Condition.wait', options);
    // Read under the lock: a notify that follows any state change made under the lock moves SEQ past this.
    const seq = Atomics.load(this.#words, SEQ);
    guard.suspend();
    let outcome: FutexOutcome;
    try {
      outcome = await runAsync(sleepWhile(this.#words, seq, timeout));
    } finally {
      await lock.relockAsync();
      guard.resume();
    }
    if (outcome === 'timed-out') throw new TimeoutError(`Condition.wait: no notify within ${timeout} ms`, timeout);
  }

  /**
   * The blocking form of {@link Condition.wait}, for workers (and Node's main
   * thread); throws a `TypeError` where the thread may not block.
   *
   * @throws TimeoutError when `timeout` passes without a notify (the lock is held again).
   *
   * @example
   * ```ts
   * import { Condition, Mutex, parallelMap } from 'weftjs';
   * const m = new Mutex(new Int32Array(new SharedArrayBuffer(4)));
   * const c = new Condition();
   * await parallelMap([0, 1], (i, _j, ctx) => {
   *   const g = ctx.m.lockSync();
   *   try {
   *     if (i === 0) { while (g.value[0] === 0) ctx.c.waitSync(g); }
   *     else { g.value[0] = 1; ctx.c.notifyAll(); }
   *   } finally {
   *     g.unlock();
   *   }
   * }, { context: { m, c }, chunkSize: 1, inline: 'never' });
   * ```
   */
  waitSync(guard: MutexGuard<unknown>, options?: TimeoutOptions): void {
    const lock = this.#bind(guard, 'Condition.waitSync');
    const timeout = timeoutOf('Condition.waitSync', options);
    assertCanBlock('Condition.waitSync');
    const seq = Atomics.load(this.#words, SEQ);
    guard.suspend();
    let outcome: FutexOutcome;
    try {
      outcome = runBlocking(sleepWhile(this.#words, seq, timeout));
    } finally {
      lock.relockBlocking();
      guard.resume();
    }
    if (outcome === 'timed-out') throw new TimeoutError(`Condition.waitSync: no notify within ${timeout} ms`, timeout);
  }

  /**
   * Wake the longest-waiting thread or task, if any.
   *
   * @returns how many sleeping waiters were woken (0 or 1). A waiter that was
   *   about to sleep also returns, without being counted.
   *
   * @example
   * ```ts
   * import { Condition } from 'weftjs';
   * const c = new Condition();
   * console.log(c.notifyOne()); // 0: nobody waits
   * ```
   */
  notifyOne(): number {
    // Moves SEQ so a waiter between reading it and sleeping does not sleep; wakes the first sleeper.
    Atomics.add(this.#words, SEQ, 1);
    return futexNotify(this.#words, SEQ, 1);
  }

  /**
   * Wake every waiting thread and task.
   *
   * @returns how many sleeping waiters were woken.
   *
   * @example
   * ```ts
   * import { Condition } from 'weftjs';
   * const c = new Condition();
   * c.notifyAll(); // 0
   * ```
   */
  notifyAll(): number {
    // Moves SEQ (no waiter that read the old value will sleep), then wakes all sleepers.
    Atomics.add(this.#words, SEQ, 1);
    return futexNotify(this.#words, SEQ);
  }

  #bind(guard: unknown, where: string): GuardedLock<unknown> {
    if (!(guard instanceof MutexGuard)) {
      throw new TypeError(`${where}: guard must be a MutexGuard (from Mutex.lock or lockSync), received ${describeValue(guard)}`);
    }
    const lock = (guard as MutexGuard<unknown>).heldLock();
    if (!lock) throw new LockOwnershipError(`${where}: the guard no longer holds its lock (it was unlocked)`);
    // Binds this Condition to the first Mutex it is used with, for every thread that shares it.
    const bound = Atomics.compareExchange(this.#words, BOUND, 0, lock.lockId);
    if (bound !== 0 && bound !== lock.lockId) {
      throw new TypeError(`${where}: the guard belongs to another Mutex than the one this Condition is used with`);
    }
    return lock;
  }

  static {
    registerShareable<Condition, SharedArrayBuffer>({
      name: 'weft.Condition',
      type: Condition,
      encode: (c) => c.#words.buffer as SharedArrayBuffer,
      decode: (buffer) => {
        reviving = buffer;
        return new Condition();
      },
    });
  }
}
