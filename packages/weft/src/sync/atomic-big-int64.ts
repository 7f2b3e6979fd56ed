/**
 * `AtomicBigInt64`: a shared 64-bit signed integer.
 *
 * @module
 */
import { registerShareable } from '../memory/shareable.js';
import { badBigInt64 } from './cell-checks.js';

let reviving: SharedArrayBuffer | undefined;

function int64(where: string, what: string, value: bigint): bigint {
  if (typeof value !== 'bigint' || BigInt.asIntN(64, value) !== value) throw badBigInt64(where, what, value);
  return value;
}

/**
 * A 64-bit signed integer (a `bigint`) in shared memory, read and written
 * with sequentially consistent atomic operations. Arithmetic wraps around at
 * 64 bits, as `Atomics` does.
 *
 * @example
 * ```ts
 * import { AtomicBigInt64 } from 'weftjs';
 * const bytes = new AtomicBigInt64(0n);
 * bytes.add(5_000_000_000n);
 * console.log(bytes.load()); // 5000000000n
 * ```
 */
export class AtomicBigInt64 {
  readonly #cell: BigInt64Array;

  /** @param initial - the starting value (default `0n`). */
  constructor(initial = 0n) {
    const adopted = reviving;
    reviving = undefined;
    this.#cell = new BigInt64Array(adopted ?? new SharedArrayBuffer(8));
    if (!adopted) this.#cell[0] = int64('new AtomicBigInt64', 'initial', initial);
  }

  /** The current value. */
  load(): bigint {
    return Atomics.load(this.#cell, 0);
  }

  /** Set the value; returns it. */
  store(value: bigint): bigint {
    return Atomics.store(this.#cell, 0, int64('AtomicBigInt64.store', 'value', value));
  }

  /** Set the value; returns the previous one. */
  exchange(value: bigint): bigint {
    return Atomics.exchange(this.#cell, 0, int64('AtomicBigInt64.exchange', 'value', value));
  }

  /** Set `replacement` if the value is `expected`; returns the previous value (equal to `expected` on success). */
  compareExchange(expected: bigint, replacement: bigint): bigint {
    int64('AtomicBigInt64.compareExchange', 'expected', expected);
    return Atomics.compareExchange(this.#cell, 0, expected, int64('AtomicBigInt64.compareExchange', 'replacement', replacement));
  }

  /** Add `delta` (wrapping); returns the previous value. */
  add(delta: bigint): bigint {
    return Atomics.add(this.#cell, 0, int64('AtomicBigInt64.add', 'delta', delta));
  }

  /** Subtract `delta` (wrapping); returns the previous value. */
  sub(delta: bigint): bigint {
    return Atomics.sub(this.#cell, 0, int64('AtomicBigInt64.sub', 'delta', delta));
  }

  /** Bitwise AND with `bits`; returns the previous value. */
  and(bits: bigint): bigint {
    return Atomics.and(this.#cell, 0, int64('AtomicBigInt64.and', 'bits', bits));
  }

  /** Bitwise OR with `bits`; returns the previous value. */
  or(bits: bigint): bigint {
    return Atomics.or(this.#cell, 0, int64('AtomicBigInt64.or', 'bits', bits));
  }

  /** Bitwise XOR with `bits`; returns the previous value. */
  xor(bits: bigint): bigint {
    return Atomics.xor(this.#cell, 0, int64('AtomicBigInt64.xor', 'bits', bits));
  }

  static {
    registerShareable<AtomicBigInt64, SharedArrayBuffer>({
      name: 'weft.AtomicBigInt64',
      type: AtomicBigInt64,
      encode: (cell) => cell.#cell.buffer as SharedArrayBuffer,
      decode: (buffer) => {
        reviving = buffer;
        return new AtomicBigInt64();
      },
    });
  }
}
