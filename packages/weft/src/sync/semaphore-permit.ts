/**
 * The guard a Semaphore hands out for the permits it granted.
 *
 * @module
 */
import { LockOwnershipError } from '../errors.js';

/**
 * Permits taken from a {@link Semaphore}. Give them back with `release()`,
 * or let `using` do it at the end of the block.
 *
 * @example
 * ```ts
 * import { Semaphore } from 'weftjs';
 * const slots = new Semaphore(4);
 * {
 *   using permit = await slots.acquire();
 *   // at most 4 threads or tasks run this at once
 * }
 * ```
 */
export class SemaphorePermit {
  readonly #giveBack: (count: number) => void;
  #held = true;

  /** How many permits this holds. */
  readonly count: number;

  /** @internal Permits are made by `Semaphore` only. */
  constructor(count: number, giveBack: (count: number) => void) {
    this.count = count;
    this.#giveBack = giveBack;
  }

  /**
   * Give the permits back to the semaphore.
   *
   * @throws LockOwnershipError when they were already released.
   */
  release(): void {
    if (!this.#held) throw new LockOwnershipError('SemaphorePermit.release: these permits were already released');
    this.#held = false;
    this.#giveBack(this.count);
  }

  /** Release the permits unless already released (what `using` calls). */
  [Symbol.dispose](): void {
    if (this.#held) this.release();
  }
}
