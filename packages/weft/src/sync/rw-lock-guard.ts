/**
 * The guard an RwLock hands to a reader or the writer.
 *
 * @module
 */
import { LockOwnershipError } from '../errors.js';

/**
 * Proof that the calling thread holds an {@link RwLock} for reading
 * (`mode: 'read'`, shared with other readers) or writing (`mode: 'write'`,
 * exclusive), and the way to reach the value it guards. Release it with
 * `unlock()`, or let `using` release it at the end of the block.
 *
 * @typeParam T - the type of the guarded value.
 *
 * @example
 * ```ts
 * import { RwLock } from 'weftjs';
 * const table = new RwLock(new Int32Array(new SharedArrayBuffer(64)));
 * {
 *   using r = await table.read();
 *   console.log(r.mode, r.value[0]); // 'read' 0
 * }
 * ```
 */
export class RwLockGuard<T> {
  readonly #value: T;
  readonly #release: () => void;
  #held = true;

  /** `'read'` for a shared hold, `'write'` for the exclusive one. */
  readonly mode: 'read' | 'write';

  /** @internal Guards are made by `RwLock` only. */
  constructor(mode: 'read' | 'write', value: T, release: () => void) {
    this.mode = mode;
    this.#value = value;
    this.#release = release;
  }

  /**
   * The value the RwLock guards. Under a read guard, only read it.
   *
   * @throws LockOwnershipError once the guard has been unlocked.
   */
  get value(): T {
    if (!this.#held) throw new LockOwnershipError('RwLockGuard.value: this guard has been unlocked; lock the RwLock again to reach its value');
    return this.#value;
  }

  /** Whether this guard still holds the lock. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Release this hold.
   *
   * @throws LockOwnershipError when this guard no longer holds the lock (a second `unlock()`).
   */
  unlock(): void {
    if (!this.#held) throw new LockOwnershipError(`RwLockGuard.unlock: this ${this.mode} guard does not hold the lock (it was already unlocked)`);
    this.#held = false;
    this.#release();
  }

  /** Release the hold if this guard still has it (what `using` calls). */
  [Symbol.dispose](): void {
    if (this.#held) this.unlock();
  }
}
