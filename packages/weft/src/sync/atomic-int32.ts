/**
 * `AtomicInt32`: a shared 32-bit signed integer.
 *
 * @module
 */
import { registerShareable } from '../memory/shareable.js';
import { INT32_MAX, INT32_MIN, badInteger } from './cell-checks.js';

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
 * import { AtomicInt32, parallelMap } from 'weft';
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
