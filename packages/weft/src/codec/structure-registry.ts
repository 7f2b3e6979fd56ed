/**
 * A table of msgpackr record structures in shared memory.
 *
 * msgpackr encodes an object as a *record*: a one-byte id that stands for the
 * object's key list, followed by the values. Without a shared table each
 * message carries its key lists inline and every decode parses them again.
 * With this table, every thread that encodes or decodes through the same
 * buffer agrees on what ids 0x40..0x5f mean: a key list is appended once (by
 * whichever thread first sends that shape) and from then on messages carry
 * only the id. A thread that meets an id it does not know yet reloads the
 * table (msgpackr's `getStructures` hook), so a consumer that never saw the
 * definition still decodes.
 *
 * Layout, from `byteOffset` (64-byte aligned): one line with `COUNT` (the
 * entries published) and `LOCK` (held while appending), then
 * {@link MAX_SHARED_STRUCTURES} cells of {@link CELL_BYTES}. A cell holds one
 * key list as Uint16 words: the key count, then per key its length and its
 * UTF-16 code units. Entries are written once, under the lock, before
 * `COUNT` is stored past them, and never change afterwards.
 *
 * Invariants:
 * - `COUNT` only grows, by a store made while holding `LOCK`; cells below
 *   `COUNT` are complete (the store publishes them: a reader that loads
 *   `COUNT` sees the cells written before it).
 * - An append names the count it was built on (msgpackr's
 *   `lastNamedStructuresLength`, checked by its `isCompatible`); if another
 *   thread appended first, it is refused, msgpackr merges the table and
 *   encodes the value again, so an id is never given two meanings.
 * - Only key lists that fit in one cell are shared (`fits`, msgpackr's
 *   `shouldShareStructure`); others stay per-message record definitions, as
 *   without a table. So an append never runs out of room.
 *
 * @module
 */

/** Key lists the table holds (msgpackr's one-byte shared record ids 0x40..0x5f). */
export const MAX_SHARED_STRUCTURES = 32;
/** Bytes per entry. */
const CELL_BYTES = 256;
/** Uint16 words per entry: the key count, then per key its length and code units. */
const CELL_WORDS = CELL_BYTES >> 1;
/** Bytes a registry takes in its buffer. */
export const STRUCTURE_REGISTRY_BYTES = 64 + MAX_SHARED_STRUCTURES * CELL_BYTES;
/** Word offsets (Int32) within the registry's first line. */
const COUNT = 0;
const LOCK = 1;
/** How long an append waits for the lock before it reports a stuck holder (ms). */
const LOCK_PATIENCE_MS = 5000;

/** A key list as msgpackr keeps it (it may tag the array with extra properties). */
type Keys = string[];

/** msgpackr's `saveStructures` argument: the structures, with a compatibility check attached. */
interface StructuresToSave extends Array<Keys> {
  /** True when `existing` is the table this packr was built on; otherwise merges it and returns false. */
  readonly isCompatible?: (existing: Keys[]) => boolean;
}

/** One thread's view of a structure table inside a `SharedArrayBuffer`. */
export class StructureRegistry {
  private readonly words: Int32Array;
  private readonly units: Uint16Array;
  /** Entries decoded so far (they never change once published). */
  private readonly known: Keys[] = [];

  /**
   * @param buffer - the shared buffer.
   * @param byteOffset - where the registry starts (64-byte aligned, {@link STRUCTURE_REGISTRY_BYTES} long).
   */
  constructor(buffer: SharedArrayBuffer, byteOffset: number) {
    this.words = new Int32Array(buffer, byteOffset, 16);
    this.units = new Uint16Array(buffer, byteOffset + 64, MAX_SHARED_STRUCTURES * CELL_WORDS);
  }

  /** Whether `keys` may be shared: it fits in one cell (msgpackr's `shouldShareStructure`). */
  fits(keys: readonly unknown[]): boolean {
    let words = 1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (typeof key !== 'string') return false;
      words += 1 + key.length;
      if (words > CELL_WORDS) return false;
    }
    return true;
  }

  /** The published key lists (msgpackr's `getStructures`): a fresh array each call, as msgpackr adopts and extends it. */
  load(): Keys[] {
    // Pairs with the store of COUNT in `save`: every cell below it is complete.
    const count = Atomics.load(this.words, COUNT);
    while (this.known.length < count) this.known.push(this.readCell(this.known.length));
    return this.known.slice(0, count);
  }

  /**
   * Append the structures msgpackr added (msgpackr's `saveStructures`).
   * Returns false, without writing, when another thread appended since this
   * packr loaded the table: msgpackr then merges and encodes again.
   */
  save(structures: StructuresToSave): boolean {
    this.lock();
    try {
      const existing = this.load();
      if (!structures.isCompatible) throw new Error('msgpackr offered structures to save without its compatibility check');
      // False (and merged into the packr) when another thread appended since this packr loaded the table.
      if (!structures.isCompatible(existing)) return false;
      const count = existing.length;
      if (structures.length > MAX_SHARED_STRUCTURES) throw new Error(`a channel shares at most ${MAX_SHARED_STRUCTURES} record structures`);
      for (let i = count; i < structures.length; i++) this.writeCell(i, structures[i]!);
      // Publishes the cells written above (a reader loads COUNT, then reads cells below it).
      Atomics.store(this.words, COUNT, structures.length);
      return true;
    } finally {
      // Releases the lock for the next appender.
      Atomics.store(this.words, LOCK, 0);
    }
  }

  private lock(): void {
    let deadline = 0;
    for (let spins = 0; Atomics.compareExchange(this.words, LOCK, 0, 1) !== 0; spins++) {
      // Held for the few microseconds of an append; a holder that never lets go stopped mid-append.
      if ((spins & 1023) !== 1023) continue;
      const now = performance.now();
      if (deadline === 0) deadline = now + LOCK_PATIENCE_MS;
      else if (now > deadline) throw new Error('the shared record-structure table stayed locked: a thread stopped in the middle of adding to it');
    }
  }

  private writeCell(index: number, keys: Keys): void {
    if (!this.fits(keys)) throw new Error('a record structure too large to share was offered for sharing');
    const units = this.units;
    let at = index * CELL_WORDS;
    units[at++] = keys.length;
    for (const key of keys) {
      units[at++] = key.length;
      for (let c = 0; c < key.length; c++) units[at++] = key.charCodeAt(c);
    }
  }

  private readCell(index: number): Keys {
    const units = this.units;
    let at = index * CELL_WORDS;
    const count = units[at++]!;
    const keys: Keys = new Array<string>(count);
    for (let k = 0; k < count; k++) {
      const length = units[at++]!;
      let key = '';
      for (let c = 0; c < length; c++) key += String.fromCharCode(units[at++]!);
      keys[k] = key;
    }
    return keys;
  }
}
