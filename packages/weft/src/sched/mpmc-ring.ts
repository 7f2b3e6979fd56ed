/**
 * A bounded multi-producer multi-consumer queue of int32 values in shared
 * memory (Dmitry Vyukov's design). Used for the injector (caller → workers)
 * and the completion queue (workers → caller).
 *
 * Layout at `at` (Int32 words): enqueuePos at +0, dequeuePos at +LINE, then
 * (seq, value) × capacity from +2·LINE. The two positions sit on separate
 * cache lines so that producers and consumers do not invalidate each other's.
 *
 * Invariants: cell `i`'s sequence word is `pos` when the cell is free for the
 * enqueue at position `pos`, and `pos + 1` once that enqueue published its
 * value; a dequeue at `pos` sets it to `pos + capacity`, freeing it for the
 * enqueue one lap later. Positions advance only by compareExchange, so each
 * position is owned by exactly one producer and one consumer. Positions and
 * sequence words are int32 counters that wrap: they are compared only
 * through their int32 difference (`(a - b) | 0`), which is right across the
 * wrap because they are never more than a lap (`capacity`) apart. All accesses
 * are sequentially consistent Atomics, so the value store is visible before
 * the sequence store that publishes it.
 *
 * @module
 */

/** Int32 words per cache line (64 bytes): hot words written by different threads are this far apart. */
export const LINE = 16;

/**
 * View of one ring inside a shared Int32Array. `capacity` is a power of two
 * and at least 2: with 1, a published cell's sequence (`pos + 1`) would read
 * as free for the next lap's enqueue.
 */
export class MpmcRing {
  private readonly mask: number;

  constructor(
    private readonly words: Int32Array,
    private readonly at: number,
    readonly capacity: number,
  ) {
    this.mask = capacity - 1;
  }

  /** Append `value`; false when full. */
  push(value: number): boolean {
    const w = this.words;
    const cells = this.at + 2 * LINE;
    for (;;) {
      const pos = Atomics.load(w, this.at);
      const cell = cells + (pos & this.mask) * 2;
      const seq = Atomics.load(w, cell);
      const diff = (seq - pos) | 0;
      if (diff === 0) {
        // Claim position `pos`; losing the race means another producer took it.
        if (Atomics.compareExchange(w, this.at, pos, (pos + 1) | 0) === pos) {
          Atomics.store(w, cell + 1, value);
          // Publish: consumers read the value only after seeing seq = pos + 1.
          Atomics.store(w, cell, (pos + 1) | 0);
          return true;
        }
      } else if (diff < 0) {
        // The cell still holds the previous lap's value. Either the ring is
        // full, or a consumer has claimed that value and not yet freed the
        // cell: only the first is a refusal; the second resolves in a moment.
        if (((pos - Atomics.load(w, this.at + LINE)) | 0) >= this.capacity) return false;
      }
    }
  }

  /** Remove the oldest value; -1 when empty. */
  pop(): number {
    const w = this.words;
    const cells = this.at + 2 * LINE;
    for (;;) {
      const pos = Atomics.load(w, this.at + LINE);
      const cell = cells + (pos & this.mask) * 2;
      const seq = Atomics.load(w, cell);
      const diff = (seq - pos - 1) | 0;
      if (diff === 0) {
        if (Atomics.compareExchange(w, this.at + LINE, pos, (pos + 1) | 0) === pos) {
          const value = Atomics.load(w, cell + 1);
          // Free the cell for the producer one lap ahead.
          Atomics.store(w, cell, (pos + this.capacity) | 0);
          return value;
        }
      } else if (diff < 0) {
        return -1; // not yet published: empty
      }
    }
  }

  /** Racy size, for statistics and heuristics. */
  get size(): number {
    return Math.max(0, (Atomics.load(this.words, this.at) - Atomics.load(this.words, this.at + LINE)) | 0);
  }
}
