/**
 * The blob ring of a channel: byte cells (`CELL_BYTES` each, a power of two
 * of them) for values too large to sit inside a message slot. A sender
 * claims a run of consecutive cells by moving `BLOB_TAIL` on, copies its
 * bytes in (wrapping at the end of the ring), and publishes the run's
 * position in its slot; the receiver copies the bytes out and frees the
 * cells. Each cell has a stamp word, stored relative to the cell's index so
 * that zeroed memory means "free for its first lap".
 *
 * @module
 */
import { BLOB_TAIL, CELL_BYTES } from './ring-layout.js';

/**
 * The blob cells of one ring's memory.
 *
 * @example
 * ```ts
 * const cells = new BlobCells(words, bytes, 64, stampWord, dataByte);
 * const position = cells.claim(new Uint8Array(300)); // undefined when not enough cells are free now
 * ```
 */
export class BlobCells {
  private readonly mask: number;

  /**
   * @param words - the ring's words (`BLOB_TAIL` and the stamps).
   * @param bytes - the ring's bytes (the cells' data).
   * @param count - the number of cells, a power of two.
   * @param stampAt - the word index of cell 0's stamp.
   * @param dataAt - the byte offset of cell 0's data.
   */
  constructor(
    private readonly words: Int32Array,
    private readonly bytes: Uint8Array,
    private readonly count: number,
    private readonly stampAt: number,
    private readonly dataAt: number,
  ) {
    this.mask = count - 1;
  }

  /** Claim cells for `data` and copy it in, if enough are free now: the run's position, or undefined. */
  claim(data: Uint8Array): number | undefined {
    const w = this.words;
    const count = Math.ceil(data.length / CELL_BYTES);
    for (;;) {
      const tail = Atomics.load(w, BLOB_TAIL);
      for (let i = 0; i < count; i++) {
        const position = (tail + i) | 0;
        const cell = position & this.mask;
        // Free for `position` once last lap's reader stored position (stored relative to the cell).
        if (((Atomics.load(w, this.stampAt + cell) + cell) | 0) !== position) return undefined;
      }
      // Only the claimer of a position changes its cell, so the cells checked above stay free.
      if (Atomics.compareExchange(w, BLOB_TAIL, tail, (tail + count) | 0) !== tail) continue;
      const start = (tail & this.mask) * CELL_BYTES;
      const first = Math.min(data.length, this.count * CELL_BYTES - start);
      this.bytes.set(data.subarray(0, first), this.dataAt + start);
      if (first < data.length) this.bytes.set(data.subarray(first), this.dataAt);
      return tail;
    }
  }

  /** The first byte of the run at `position` (a tag: never wrapped, as a run starts before the end of the ring). */
  firstByte(position: number): number {
    return this.bytes[this.dataAt + (position & this.mask) * CELL_BYTES]!;
  }

  /** Copy the run at `position` (`length` bytes), less its first `skip` bytes, into `out`. */
  read(position: number, length: number, skip: number, out: Uint8Array): void {
    const start = (position & this.mask) * CELL_BYTES;
    const first = Math.min(length, this.count * CELL_BYTES - start);
    out.set(this.bytes.subarray(this.dataAt + start + skip, this.dataAt + start + first));
    if (first < length) out.set(this.bytes.subarray(this.dataAt, this.dataAt + length - first), first - skip);
  }

  /** Free the cells of the run at `position` (`length` bytes) for their next lap. */
  free(position: number, length: number): void {
    const count = Math.ceil(length / CELL_BYTES);
    for (let i = 0; i < count; i++) {
      const p = (position + i) | 0;
      const cell = p & this.mask;
      Atomics.store(this.words, this.stampAt + cell, (p + this.count - cell) | 0);
    }
  }
}
