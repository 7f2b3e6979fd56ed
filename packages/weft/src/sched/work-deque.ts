/**
 * A fixed-capacity Chase-Lev work-stealing deque of int32 slot numbers in
 * shared memory. The owning worker pushes and pops at the bottom (LIFO: the
 * most recent fork first, which keeps its data hot); other workers steal at
 * the top (FIFO: the oldest, usually largest, piece of work).
 *
 * Layout at `at` (Int32 words): top at +0, bottom at +LINE, cells from
 * +2·LINE (top and bottom on separate cache lines).
 *
 * Invariants (all accesses sequentially consistent):
 * - Only the owner writes `bottom`; thieves only move `top`, by
 *   compareExchange, so each element is taken by exactly one party.
 * - The owner takes the last element (`top === bottom - 1`) only by winning
 *   the same compareExchange on `top` that thieves use.
 * - `push` refuses when `bottom - top >= capacity`, so a cell is never
 *   overwritten while a thief may still read it.
 * - `top` and `bottom` are int32 counters that wrap (`top` grows by one per
 *   steal, for the pool's whole life): they are only ever compared through
 *   their int32 difference `(bottom - top) | 0`, never with `<` on the
 *   counters themselves, and the capacity (a power of two) divides 2^32, so
 *   `index & mask` stays continuous across the wrap.
 *
 * @module
 */

import { LINE } from './mpmc-ring.js';

/** `steal` lost a race: the deque may still hold work. */
export const STEAL_RETRY = -2;

/** View of one worker's deque. */
export class WorkDeque {
  private readonly mask: number;

  constructor(
    private readonly words: Int32Array,
    private readonly at: number,
    readonly capacity: number,
  ) {
    this.mask = capacity - 1;
  }

  /** Owner only: push a slot number; false when full. */
  push(value: number): boolean {
    const w = this.words;
    const b = Atomics.load(w, this.at + LINE);
    const t = Atomics.load(w, this.at);
    if (((b - t) | 0) >= this.capacity) return false;
    Atomics.store(w, this.at + 2 * LINE + (b & this.mask), value);
    // Publishes the cell to thieves, which read `bottom` before the cell.
    Atomics.store(w, this.at + LINE, (b + 1) | 0);
    return true;
  }

  /** Owner only: pop the newest slot number; -1 when empty. */
  pop(): number {
    const w = this.words;
    const b = (Atomics.load(w, this.at + LINE) - 1) | 0;
    // Reserve the bottom element before looking at `top`: a thief that reads
    // the new bottom will not take it.
    Atomics.store(w, this.at + LINE, b);
    const t = Atomics.load(w, this.at);
    const left = (b - t) | 0; // values left below the one reserved; -1: it was empty
    if (left < 0) {
      Atomics.store(w, this.at + LINE, (b + 1) | 0);
      return -1;
    }
    const value = Atomics.load(w, this.at + 2 * LINE + (b & this.mask));
    if (left > 0) return value;
    // The last element: race the thieves for it on `top`.
    const won = Atomics.compareExchange(w, this.at, t, (t + 1) | 0) === t;
    Atomics.store(w, this.at + LINE, (b + 1) | 0);
    return won ? value : -1;
  }

  /** Any other worker: take the oldest slot number; -1 when empty, STEAL_RETRY on a lost race. */
  steal(): number {
    const w = this.words;
    const t = Atomics.load(w, this.at);
    const b = Atomics.load(w, this.at + LINE);
    if (((b - t) | 0) <= 0) return -1;
    const value = Atomics.load(w, this.at + 2 * LINE + (t & this.mask));
    return Atomics.compareExchange(w, this.at, t, (t + 1) | 0) === t ? value : STEAL_RETRY;
  }

  /** Racy length, for heuristics. */
  get size(): number {
    return Math.max(0, (Atomics.load(this.words, this.at + LINE) - Atomics.load(this.words, this.at)) | 0);
  }
}
