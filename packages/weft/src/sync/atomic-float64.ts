/**
 * `AtomicFloat64`: a shared double.
 *
 * @module
 */
import { registerShareable } from '../memory/shareable.js';
import { badType } from './cell-checks.js';

let reviving: SharedArrayBuffer | undefined;

/** Converts between a double and its 64 bits (Atomics work on the bits). */
const scratch = new ArrayBuffer(8);
const asFloat = new Float64Array(scratch);
const asBits = new BigInt64Array(scratch);

function bitsOf(value: number): bigint {
  asFloat[0] = value;
  return asBits[0] ?? 0n;
}

function floatOf(bits: bigint): number {
  asBits[0] = bits;
  return asFloat[0] ?? 0;
}

function float(where: string, what: string, value: number): number {
  if (typeof value !== 'number') throw badType(where, what, 'a number', value);
  return value;
}

/**
 * A double (a JavaScript `number`) in shared memory, read and written with
 * sequentially consistent atomic operations on its 64 bits. `add` and `sub`
 * are compare-exchange loops; `compareExchange` compares as `Object.is`
 * (so `NaN` matches `NaN`, and `0` does not match `-0`).
 *
 * @example
 * ```ts
 * import { AtomicFloat64 } from 'weftjs';
 * const sum = new AtomicFloat64(0);
 * sum.add(0.5);
 * console.log(sum.load()); // 0.5
 * ```
 */
export class AtomicFloat64 {
  readonly #cell: BigInt64Array;

  /** @param initial - the starting value (default 0). */
  constructor(initial = 0) {
    const adopted = reviving;
    reviving = undefined;
    this.#cell = new BigInt64Array(adopted ?? new SharedArrayBuffer(8));
    if (!adopted) this.#cell[0] = bitsOf(float('new AtomicFloat64', 'initial', initial));
  }

  /** The current value. */
  load(): number {
    return floatOf(Atomics.load(this.#cell, 0));
  }

  /** Set the value; returns it. */
  store(value: number): number {
    Atomics.store(this.#cell, 0, bitsOf(float('AtomicFloat64.store', 'value', value)));
    return value;
  }

  /** Set the value; returns the previous one. */
  exchange(value: number): number {
    return floatOf(Atomics.exchange(this.#cell, 0, bitsOf(float('AtomicFloat64.exchange', 'value', value))));
  }

  /** Set `replacement` if the value is `expected` (by `Object.is`); returns the previous value. */
  compareExchange(expected: number, replacement: number): number {
    float('AtomicFloat64.compareExchange', 'expected', expected);
    const next = bitsOf(float('AtomicFloat64.compareExchange', 'replacement', replacement));
    for (;;) {
      const bits = Atomics.load(this.#cell, 0);
      const current = floatOf(bits);
      if (!Object.is(current, expected)) return current;
      // Succeeds unless another thread wrote in between; then compare again.
      if (Atomics.compareExchange(this.#cell, 0, bits, next) === bits) return current;
    }
  }

  /** Add `delta`; returns the previous value. */
  add(delta: number): number {
    float('AtomicFloat64.add', 'delta', delta);
    for (;;) {
      const bits = Atomics.load(this.#cell, 0);
      const current = floatOf(bits);
      // Retries when another thread wrote in between.
      if (Atomics.compareExchange(this.#cell, 0, bits, bitsOf(current + delta)) === bits) return current;
    }
  }

  /** Subtract `delta`; returns the previous value. */
  sub(delta: number): number {
    return this.add(-float('AtomicFloat64.sub', 'delta', delta));
  }

  static {
    registerShareable<AtomicFloat64, SharedArrayBuffer>({
      name: 'weft.AtomicFloat64',
      type: AtomicFloat64,
      encode: (cell) => cell.#cell.buffer as SharedArrayBuffer,
      decode: (buffer) => {
        reviving = buffer;
        return new AtomicFloat64();
      },
    });
  }
}
