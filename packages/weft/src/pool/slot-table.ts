/**
 * What the caller keeps per task slot: a Map-like table indexed by slot
 * number, backed by an array (slot numbers are small and dense), so the hot
 * path of `Pool.run` neither hashes nor allocates.
 *
 * @module
 */

/** A table from slot number to `T`, with the part of the `Map` API the pool uses. */
export class SlotTable<T> {
  private readonly entries: (T | undefined)[] = [];
  private count = 0;

  /** The entry of `slot`, if any. */
  get(slot: number): T | undefined {
    return this.entries[slot];
  }

  /** Set the entry of `slot`. */
  set(slot: number, value: T): void {
    while (this.entries.length <= slot) this.entries.push(undefined);
    if (this.entries[slot] === undefined) this.count++;
    this.entries[slot] = value;
  }

  /** Remove the entry of `slot`; true when there was one. */
  delete(slot: number): boolean {
    if (this.entries[slot] === undefined) return false;
    this.entries[slot] = undefined;
    this.count--;
    return true;
  }

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  /** Slots that have an entry, in slot order. */
  *keys(): IterableIterator<number> {
    for (let slot = 0; slot < this.entries.length; slot++) if (this.entries[slot] !== undefined) yield slot;
  }

  /** Entries, in slot order. */
  *values(): IterableIterator<T> {
    for (const slot of this.keys()) yield this.entries[slot]!;
  }

  /** Remove every entry. */
  clear(): void {
    this.entries.fill(undefined);
    this.count = 0;
  }
}
