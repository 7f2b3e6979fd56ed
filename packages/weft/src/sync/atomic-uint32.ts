/**
 * `AtomicUint32`: a shared 32-bit unsigned integer.
 *
 * @module
 */
import { registerShareable } from '../memory/shareable.js';
import { UINT32_MAX, badInteger } from './cell-checks.js';

let reviving: SharedArrayBuffer | undefined;

function uint32(where: string, what: string, value: number): number {
  if (value >>> 0 !== value) throw badInteger(where, what, value, 0, UINT32_MAX);
  return value;
}

/**
 * A 32-bit unsigned integer in shared memory, read and written with
 * sequentially consistent atomic operations. Pass it to tasks (in `context`,
 * as an argument) and every thread updates the same cell. Arithmetic wraps
 * around at 32 bits, as `Atomics` does.
 *
 * @example
 * ```ts
 * import { AtomicUint32, parallelMap } from 'weftjs';
 * const bytes = new AtomicUint32(0);
 * await parallelMap([1, 2, 3, 4], (_x, _i, ctx) => { ctx.bytes.add(1024); }, { context: { bytes } });
 * console.log(bytes.load()); // 4096
 * ```
 */
export class AtomicUint32 {
  readonly #cell: Uint32Array;

  /** @param initial - the starting value (default 0); an integer between 0 and 2^32 - 1. */
  constructor(initial = 0) {
    const adopted = reviving;
    reviving = undefined;
    this.#cell = new Uint32Array(adopted ?? new SharedArrayBuffer(4));
    if (!adopted) this.#cell[0] = uint32('new AtomicUint32', 'initial', initial);
  }

  /** The current value. */
  load(): number {
    return Atomics.load(this.#cell, 0);
  }

  /** Set the value; returns it. */
  store(value: number): number {
    return Atomics.store(this.#cell, 0, uint32('AtomicUint32.store', 'value', value));
  }

  /** Set the value; returns the previous one. */
  exchange(value: number): number {
    return Atomics.exchange(this.#cell, 0, uint32('AtomicUint32.exchange', 'value', value));
  }

  /** Set `replacement` if the value is `expected`; returns the previous value (equal to `expected` on success). */
  compareExchange(expected: number, replacement: number): number {
    uint32('AtomicUint32.compareExchange', 'expected', expected);
    return Atomics.compareExchange(this.#cell, 0, expected, uint32('AtomicUint32.compareExchange', 'replacement', replacement));
  }

  /** Add `delta` (wrapping); returns the previous value. */
  add(delta: number): number {
    return Atomics.add(this.#cell, 0, uint32('AtomicUint32.add', 'delta', delta));
  }

  /** Subtract `delta` (wrapping); returns the previous value. */
  sub(delta: number): number {
    return Atomics.sub(this.#cell, 0, uint32('AtomicUint32.sub', 'delta', delta));
  }

  /** Bitwise AND with `bits`; returns the previous value. */
  and(bits: number): number {
    return Atomics.and(this.#cell, 0, uint32('AtomicUint32.and', 'bits', bits));
  }

  /** Bitwise OR with `bits`; returns the previous value. */
  or(bits: number): number {
    return Atomics.or(this.#cell, 0, uint32('AtomicUint32.or', 'bits', bits));
  }

  /** Bitwise XOR with `bits`; returns the previous value. */
  xor(bits: number): number {
    return Atomics.xor(this.#cell, 0, uint32('AtomicUint32.xor', 'bits', bits));
  }

  static {
    registerShareable<AtomicUint32, SharedArrayBuffer>({
      name: 'weft.AtomicUint32',
      type: AtomicUint32,
      encode: (cell) => cell.#cell.buffer as SharedArrayBuffer,
      decode: (buffer) => {
        reviving = buffer;
        return new AtomicUint32();
      },
    });
  }
}
