/**
 * `Barrier`: N parties wait for each other, generation after generation.
 *
 * @module
 */
import { registerShareable } from '../memory/shareable.js';
import { checkInteger } from '../validate.js';
import { assertCanBlock, futexWait, runAsync, runBlocking, type FutexSteps, futexNotify } from './futex.js';

/** Low 16 bits: parties arrived in the current generation; high 16 bits: the generation (mod 2^16). */
const ARRIVALS = 0;
/** Completed generations; waiters sleep on it. */
const GENERATION = 1;
const WORDS = 2;
const MAX_PARTIES = 0xffff;

let reviving: SharedArrayBuffer | undefined;

/** Arrive; returns -1 for the leader (the last to arrive), else the generation (mod 2^16) to wait out. */
function arrive(words: Int32Array, parties: number): number {
  for (;;) {
    const s = Atomics.load(words, ARRIVALS);
    const generation = s >>> 16;
    const arrived = s & 0xffff;
    if (arrived + 1 === parties) {
      // Resets the count and opens the next generation in one step, so a fast party cannot mix generations.
      if (Atomics.compareExchange(words, ARRIVALS, s, ((generation + 1) & 0xffff) << 16) === s) {
        // Releases this generation: waiters see GENERATION move (and the work done before arriving).
        Atomics.add(words, GENERATION, 1);
        futexNotify(words, GENERATION);
        return -1;
      }
    } else if (Atomics.compareExchange(words, ARRIVALS, s, s + 1) === s) {
      return generation;
    }
  }
}

function* leave(words: Int32Array, generation: number): FutexSteps<void> {
  const done = (generation + 1) & 0xffff;
  for (;;) {
    const g = Atomics.load(words, GENERATION);
    if ((g & 0xffff) === done) return;
    // Woken by the leader's notify on GENERATION.
    yield futexWait(words, GENERATION, g, Infinity);
  }
}

/**
 * A reusable barrier: each of `parties` threads or tasks calls `wait()`, and
 * all of them go on once the last one arrives. Then the barrier is ready for
 * the next round (generation). Exactly one party per generation, the last to
 * arrive, is told it is the leader.
 *
 * @example
 * ```ts
 * import { Barrier, parallelMap } from 'weftjs';
 * const step = new Barrier(2);
 * await parallelMap([0, 1], (i, _j, ctx) => {
 *   for (let round = 0; round < 3; round++) {
 *     // ... phase `round` of this party's work ...
 *     ctx.step.waitSync(); // nobody starts round + 1 before both finished round
 *   }
 * }, { context: { step }, chunkSize: 1, inline: 'never' });
 * ```
 */
export class Barrier {
  readonly #words: Int32Array;
  /** How many parties each generation waits for. */
  readonly parties: number;

  /** @param parties - how many parties each generation waits for: an integer from 1 to 65535. */
  constructor(parties: number) {
    const adopted = reviving;
    reviving = undefined;
    this.#words = new Int32Array(adopted ?? new SharedArrayBuffer(WORDS * 4 + 4));
    if (adopted) {
      this.parties = Atomics.load(this.#words, WORDS);
    } else {
      this.parties = checkInteger('new Barrier', 'parties', parties, 1, MAX_PARTIES);
      this.#words[WORDS] = this.parties;
    }
  }

  /**
   * Arrive and wait (without blocking the thread) for the others.
   *
   * @returns `true` for the leader (the last party to arrive), `false` for the others.
   *
   * @example
   * ```ts
   * import { Barrier } from 'weftjs';
   * const b = new Barrier(2);
   * const [a, c] = await Promise.all([b.wait(), b.wait()]);
   * console.log(a !== c); // true: one leader
   * ```
   */
  async wait(): Promise<boolean> {
    const generation = arrive(this.#words, this.parties);
    if (generation < 0) return true;
    await runAsync(leave(this.#words, generation));
    return false;
  }

  /**
   * The blocking form of {@link Barrier.wait}, for workers (and Node's main
   * thread); throws a `TypeError` where the thread may not block.
   *
   * @example
   * ```ts
   * import { Barrier } from 'weftjs';
   * const b = new Barrier(1);
   * console.log(b.waitSync()); // true: alone, the leader
   * ```
   */
  waitSync(): boolean {
    assertCanBlock('Barrier.waitSync');
    const generation = arrive(this.#words, this.parties);
    if (generation < 0) return true;
    runBlocking(leave(this.#words, generation));
    return false;
  }

  static {
    registerShareable<Barrier, SharedArrayBuffer>({
      name: 'weft.Barrier',
      type: Barrier,
      encode: (b) => b.#words.buffer as SharedArrayBuffer,
      decode: (buffer) => {
        reviving = buffer;
        return new Barrier(1);
      },
    });
  }
}
