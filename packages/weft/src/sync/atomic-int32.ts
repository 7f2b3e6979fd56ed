/**
 * `AtomicInt32`: a shared 32-bit signed integer.
 *
 * @module
 */
import { registerShareable } from '../memory/shareable.js';
import { INT32_MAX, INT32_MIN, badInteger } from './cell-checks.js';
import { assertCanBlock, futexNotify, futexWait, runAsync, runBlocking, timeoutOf, type FutexSteps, type TimeoutOptions } from './futex.js';

/** How a wait on the cell ended. */
export type AtomicWaitResult = 'ok' | 'not-equal' | 'timed-out';

function* waitSteps(cell: Int32Array, value: number, timeout: number): FutexSteps<AtomicWaitResult> {
  if (Atomics.load(cell, 0) !== value) return 'not-equal';
  return yield futexWait(cell, 0, value, timeout);
}

let reviving: SharedArrayBuffer | undefined;

function int32(where: string, what: string, value: number): number {
  if ((value | 0) !== value) throw badInteger(where, what, value, INT32_MIN, INT32_MAX);
  return value;
}

/**
 * A 32-bit signed integer in shared memory, read and written with
 * sequentially consistent atomic operations. Pass it to tasks (in `context`,
 * as an argument) and every thread updates the same cell. Arithmetic wraps
 * around at 32 bits, as `Atomics` does.
 *
 * @example
 * ```ts
 * import { AtomicInt32, parallelMap } from 'weftjs';
 * const hits = new AtomicInt32(0);
 * await parallelMap([1, 2, 3, 4], (_x, _i, ctx) => { ctx.hits.add(1); }, { context: { hits } });
 * console.log(hits.load()); // 4
 * ```
 */
export class AtomicInt32 {
  readonly #cell: Int32Array;

  /** @param initial - the starting value (default 0); an integer in the int32 range. */
  constructor(initial = 0) {
    const adopted = reviving;
    reviving = undefined;
    this.#cell = new Int32Array(adopted ?? new SharedArrayBuffer(4));
    if (!adopted) this.#cell[0] = int32('new AtomicInt32', 'initial', initial);
  }

  /** The current value. */
  load(): number {
    return Atomics.load(this.#cell, 0);
  }

  /** Set the value; returns it. */
  store(value: number): number {
    return Atomics.store(this.#cell, 0, int32('AtomicInt32.store', 'value', value));
  }

  /** Set the value; returns the previous one. */
  exchange(value: number): number {
    return Atomics.exchange(this.#cell, 0, int32('AtomicInt32.exchange', 'value', value));
  }

  /** Set `replacement` if the value is `expected`; returns the previous value (equal to `expected` on success). */
  compareExchange(expected: number, replacement: number): number {
    int32('AtomicInt32.compareExchange', 'expected', expected);
    return Atomics.compareExchange(this.#cell, 0, expected, int32('AtomicInt32.compareExchange', 'replacement', replacement));
  }

  /** Add `delta` (wrapping); returns the previous value. */
  add(delta: number): number {
    return Atomics.add(this.#cell, 0, int32('AtomicInt32.add', 'delta', delta));
  }

  /** Subtract `delta` (wrapping); returns the previous value. */
  sub(delta: number): number {
    return Atomics.sub(this.#cell, 0, int32('AtomicInt32.sub', 'delta', delta));
  }

  /** Bitwise AND with `bits`; returns the previous value. */
  and(bits: number): number {
    return Atomics.and(this.#cell, 0, int32('AtomicInt32.and', 'bits', bits));
  }

  /** Bitwise OR with `bits`; returns the previous value. */
  or(bits: number): number {
    return Atomics.or(this.#cell, 0, int32('AtomicInt32.or', 'bits', bits));
  }

  /** Bitwise XOR with `bits`; returns the previous value. */
  xor(bits: number): number {
    return Atomics.xor(this.#cell, 0, int32('AtomicInt32.xor', 'bits', bits));
  }

  /**
   * Block while the value is `value` (a worker or thread; like
   * `Atomics.wait`, but it also works on the native backend's threads, where
   * a typed-array `Atomics.wait` is refused). `'ok'` after a {@link notify}
   * (or a change), `'not-equal'` if the value differed at once, `'timed-out'`.
   *
   * @example
   * ```ts
   * // in a task: wait until the main thread says go
   * ctx.go.waitSync(0, { timeout: 5_000 });
   * // on the main thread
   * go.store(1); go.notify();
   * ```
   */
  waitSync(value: number, options?: TimeoutOptions): AtomicWaitResult {
    const where = 'AtomicInt32.waitSync';
    int32(where, 'value', value);
    const timeout = timeoutOf(where, options);
    assertCanBlock(where);
    return runBlocking(waitSteps(this.#cell, value, timeout));
  }

  /**
   * {@link waitSync} without blocking: resolves when the value is no longer
   * `value` after a notify, or on time-out. Works on any thread.
   *
   * @example
   * ```ts
   * const done = new AtomicInt32(0);
   * const work = parallelMap([0], (_x, _i, ctx) => { ctx.done.store(1); ctx.done.notify(); }, { context: { done } });
   * await done.wait(0, { timeout: 5_000 }); // 'ok' (or 'not-equal' if it was already done)
   * ```
   */
  wait(value: number, options?: TimeoutOptions): Promise<AtomicWaitResult> {
    const where = 'AtomicInt32.wait';
    try {
      int32(where, 'value', value);
      return runAsync(waitSteps(this.#cell, value, timeoutOf(where, options)));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * Wake up to `count` waiters of {@link waitSync} / {@link wait} (default:
   * all). Returns how many worker or main-thread waiters were woken (threads
   * of the native backend are woken too but not counted).
   *
   * @example
   * ```ts
   * flag.store(1);
   * flag.notify();
   * ```
   */
  notify(count = Infinity): number {
    if (typeof count !== 'number' || Number.isNaN(count) || count < 0) {
      throw new RangeError(`AtomicInt32.notify: count must be a non-negative number, received ${String(count)}`);
    }
    return futexNotify(this.#cell, 0, count);
  }

  static {
    registerShareable<AtomicInt32, SharedArrayBuffer>({
      name: 'weft.AtomicInt32',
      type: AtomicInt32,
      encode: (cell) => cell.#cell.buffer as SharedArrayBuffer,
      decode: (buffer) => {
        reviving = buffer;
        return new AtomicInt32();
      },
    });
  }
}
