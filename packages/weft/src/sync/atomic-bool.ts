/**
 * `AtomicBool`: a shared boolean.
 *
 * @module
 */
import { registerShareable } from '../memory/shareable.js';
import { badType } from './cell-checks.js';

let reviving: SharedArrayBuffer | undefined;

function bit(where: string, what: string, value: boolean): number {
  if (value === true) return 1;
  if (value === false) return 0;
  throw badType(where, what, 'a boolean', value);
}

/**
 * A boolean in shared memory, read and written with sequentially consistent
 * atomic operations: a flag one thread raises and others see.
 *
 * @example
 * ```ts
 * import { AtomicBool } from 'weftjs';
 * const stop = new AtomicBool(false);
 * if (!stop.exchange(true)) console.log('this thread raised the flag first');
 * ```
 */
export class AtomicBool {
  readonly #cell: Int32Array;

  /** @param initial - the starting value (default `false`). */
  constructor(initial = false) {
    const adopted = reviving;
    reviving = undefined;
    this.#cell = new Int32Array(adopted ?? new SharedArrayBuffer(4));
    if (!adopted) this.#cell[0] = bit('new AtomicBool', 'initial', initial);
  }

  /** The current value. */
  load(): boolean {
    return Atomics.load(this.#cell, 0) !== 0;
  }

  /** Set the value; returns it. */
  store(value: boolean): boolean {
    Atomics.store(this.#cell, 0, bit('AtomicBool.store', 'value', value));
    return value;
  }

  /** Set the value; returns the previous one. */
  exchange(value: boolean): boolean {
    return Atomics.exchange(this.#cell, 0, bit('AtomicBool.exchange', 'value', value)) !== 0;
  }

  /** Set `replacement` if the value is `expected`; returns the previous value (equal to `expected` on success). */
  compareExchange(expected: boolean, replacement: boolean): boolean {
    const from = bit('AtomicBool.compareExchange', 'expected', expected);
    return Atomics.compareExchange(this.#cell, 0, from, bit('AtomicBool.compareExchange', 'replacement', replacement)) !== 0;
  }

  /** Flip the value; returns the previous one. */
  toggle(): boolean {
    return Atomics.xor(this.#cell, 0, 1) !== 0;
  }

  static {
    registerShareable<AtomicBool, SharedArrayBuffer>({
      name: 'weft.AtomicBool',
      type: AtomicBool,
      encode: (cell) => cell.#cell.buffer as SharedArrayBuffer,
      decode: (buffer) => {
        reviving = buffer;
        return new AtomicBool();
      },
    });
  }
}
