/**
 * The guard a Mutex hands to its holder.
 *
 * @module
 */
import { LockOwnershipError } from '../errors.js';

/**
 * What a guard needs from its lock (implemented by `Mutex`; a native backend
 * would implement it over the engine's `Lock`).
 *
 * @internal
 */
export interface GuardedLock<T> {
  readonly guardedValue: T;
  /** The lock memory's identity (Condition binds to it). */
  readonly lockId: number;
  /** Release the hold of the calling thread. */
  release(): void;
  /** Take the lock again for a guard that a Condition released (blocking). */
  relockBlocking(): void;
  /** Take the lock again for a guard that a Condition released (async). */
  relockAsync(): Promise<void>;
}

/**
 * Proof that the calling thread holds a {@link Mutex}, and the only way to
 * reach the value it guards. Release it with `unlock()`, or let `using`
 * release it at the end of the block.
 *
 * @typeParam T - the type of the guarded value.
 *
 * @example
 * ```ts
 * import { Mutex } from 'weftjs';
 * const m = new Mutex(new Int32Array(new SharedArrayBuffer(4)));
 * {
 *   using g = await m.lock();
 *   g.value[0] += 1;
 * } // unlocked here
 * ```
 */
export class MutexGuard<T> {
  #lock: GuardedLock<T>;
  #held = true;

  /** @internal Guards are made by `Mutex` only. */
  constructor(lock: GuardedLock<T>) {
    this.#lock = lock;
  }

  /**
   * The value the Mutex guards (what was passed to `new Mutex(value)`).
   *
   * @throws LockOwnershipError once the guard has been unlocked.
   */
  get value(): T {
    if (!this.#held) throw new LockOwnershipError('MutexGuard.value: this guard has been unlocked; lock the Mutex again to reach its value');
    return this.#lock.guardedValue;
  }

  /** Whether this guard still holds the lock. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Release the lock. The next waiter (in FIFO order) gets it.
   *
   * @throws LockOwnershipError when this guard no longer holds the lock (a second `unlock()`).
   */
  unlock(): void {
    if (!this.#held) throw new LockOwnershipError('MutexGuard.unlock: this guard does not hold the lock (it was already unlocked)');
    this.#held = false;
    this.#lock.release();
  }

  /** Release the lock if this guard still holds it (what `using` calls; never throws for an unlocked guard). */
  [Symbol.dispose](): void {
    if (this.#held) this.unlock();
  }

  /** @internal The lock this guard belongs to, for Condition (undefined once unlocked). */
  heldLock(): GuardedLock<T> | undefined {
    return this.#held ? this.#lock : undefined;
  }

  /** @internal Condition.wait: release the lock but keep the guard for the re-lock. */
  suspend(): void {
    this.#held = false;
    this.#lock.release();
  }

  /** @internal Condition.wait: the lock is held again. */
  resume(): void {
    this.#held = true;
  }
}
