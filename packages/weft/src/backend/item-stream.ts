/**
 * A map job's items, serialized block by block into a bounded ring of shared
 * memory while workers claim them: the serialized copy never exists whole.
 *
 * Layout (one growable `SharedArrayBuffer`): Int32 header words
 * `[blockSize, blocks, produced, from, ...]`, then four words per block
 * (`claims`, `released`, byte offset, byte length), then the ring's data from
 * the next multiple of 8 bytes. Block `b` holds items
 * `[from + b * blockSize, from + (b + 1) * blockSize)`.
 *
 * Invariants:
 * - The caller writes blocks in order and publishes each by storing
 *   `produced = b + 1` (after its bytes and table entry), then notifies.
 * - A claim registers itself on every block it covers *before* its
 *   compare-exchange on the job's `Next` word, and takes the registration
 *   back if the exchange fails. So once `Next` has passed a block's end, its
 *   `claims` count every claim that will ever read it (plus, for a moment, a
 *   failed one), and no later claim can cover it.
 * - A claim releases each block it covers once it holds the block's items in
 *   its own heap (decoded, or already decoded by its previous claim).
 * - The caller reuses a block's bytes only when `Next` has passed the
 *   block's end and `released == claims`, oldest block first. A participant
 *   waiting for an unwritten block has released every earlier block it
 *   claimed (it reads its items in order), so a full ring always drains.
 *
 * @module
 */

// Header words before the block table...
const BLOCK_SIZE = 0;
const BLOCKS = 1;
const PRODUCED = 2;
const FROM = 3;
const TABLE = 4;
// ...and the words of each block's entry in it.
const CLAIMS = 0;
const RELEASED = 1;
const OFFSET = 2;
const LENGTH = 3;
const ENTRY_WORDS = 4;

/** The ring's first size (bytes): room for a few dozen blocks of typical items. */
export const RING_BYTES = 16 * 2 ** 20;
/** The largest ring one call may grow to (a growable buffer's reserved length; offsets stay int32). */
const MAX_RING_BYTES = 2 ** 31 - 8;

/** How long a participant sleeps at a time while its block is not written yet (ms); it checks `stop` between. */
const WAIT_SLICE_MS = 50;

/** Thrown from {@link ItemStreamReader.at} when the job stopped while waiting for a block. */
export const STREAM_STOPPED: unique symbol = Symbol('weft.streamStopped');

function dataStart(blocks: number): number {
  return Math.ceil(((TABLE + blocks * ENTRY_WORDS) * 4) / 8) * 8;
}

/** A block of items ready to be written: at most `bound` bytes, which `write` writes at the start of `target`, returning how many. */
export interface EncodedBlock {
  readonly bound: number;
  write(target: Uint8Array): number;
}

/** Encodes `items[first..end)` as one block (the worker's `decode` reads it back). */
export type BlockEncoder = (items: readonly unknown[], first: number, end: number) => EncodedBlock;

/** The caller's side of a stream: the buffer to post, and the producer that fills it. */
export interface ItemStream {
  readonly shared: SharedArrayBuffer;
  /**
   * Write blocks while the ring has room, first reclaiming those every claim
   * has released; `claimedTo` is the job's `Next` word. True once every block
   * is written. Throws what serializing a block threw, with the index of its
   * first item in the stream (`error.blockStart`).
   */
  fill(claimedTo: number): boolean;
}

/**
 * A stream over `items[from..]` in blocks of `blockSize`, `encode`
 * writing each block's bytes. Nothing is written until the first `fill`.
 *
 * @example
 * ```ts
 * const stream = createItemStream(items, 0, 1024, encodeBlock);
 * stream.fill(Atomics.load(control, MapControl.Next)); // as workers claim, fill again
 * ```
 */
export function createItemStream(
  items: readonly unknown[],
  from: number,
  blockSize: number,
  encode: BlockEncoder,
  ringBytes = RING_BYTES,
): ItemStream {
  const blocks = Math.ceil((items.length - from) / blockSize);
  const start = dataStart(blocks);
  let capacity = ringBytes;
  const shared = new SharedArrayBuffer(start + capacity, { maxByteLength: start + MAX_RING_BYTES });
  const header = new Int32Array(shared, 0, TABLE + blocks * ENTRY_WORDS);
  header[BLOCK_SIZE] = blockSize;
  header[BLOCKS] = blocks;
  header[FROM] = from;
  const charged = new Array<number>(blocks);
  let next = 0; // the next block to write
  let oldest = 0; // the oldest block whose bytes are still in use
  let used = 0;
  let head = 0;
  let pending: EncodedBlock | undefined;
  return {
    shared,
    fill(claimedTo: number): boolean {
      for (;;) {
        while (oldest < next) {
          const entry = TABLE + oldest * ENTRY_WORDS;
          const end = from + (oldest + 1) * blockSize;
          if (claimedTo < Math.min(end, items.length)) break;
          if (Atomics.load(header, entry + RELEASED) !== Atomics.load(header, entry + CLAIMS)) break;
          used -= charged[oldest]!;
          oldest++;
        }
        if (next === blocks) return true;
        if (!pending) {
          const first = from + next * blockSize;
          try {
            pending = encode(items, first, Math.min(items.length, first + blockSize));
          } catch (err) {
            throw Object.assign(err instanceof Error ? err : new Error(String(err)), { blockStart: first });
          }
        }
        const bound = pending.bound;
        if (used === 0) head = 0;
        let at = head;
        let pad = 0;
        if (at + bound > capacity) {
          pad = capacity - at;
          at = 0;
        }
        if (used + pad + bound > capacity) {
          if (used > 0) return false; // full: wait for claims to release
          // One block larger than the whole ring: grow it, now that it is empty.
          if (bound > MAX_RING_BYTES) throw new RangeError(`a block of items takes up to ${bound} bytes, more than ${MAX_RING_BYTES}`);
          capacity = Math.min(MAX_RING_BYTES, Math.ceil((2 * bound) / 2 ** 20) * 2 ** 20);
          shared.grow(start + capacity);
          continue;
        }
        const length = pending.write(new Uint8Array(shared, start + at, bound));
        const entry = TABLE + next * ENTRY_WORDS;
        header[entry + OFFSET] = at;
        header[entry + LENGTH] = length;
        charged[next] = pad + length;
        used += pad + length;
        head = at + length;
        pending = undefined;
        next++;
        // Publishes the bytes and the table entry above.
        Atomics.store(header, PRODUCED, next);
        Atomics.notify(header, PRODUCED);
      }
    },
  };
}

/** The worker's side of a stream. */
export interface ItemStreamReader {
  /**
   * Register (`delta` 1) or take back (`delta` -1) a claim of items
   * `[start, end)` on the blocks it covers: called around the claim's
   * compare-exchange (see the invariants above).
   */
  reserve(start: number, end: number, delta: number): void;
  /** A claim of `[start, end)` succeeded: release its first block at once if this participant holds it decoded. */
  claimed(start: number, end: number): void;
  /** Item `index`: waits for its block to be written (throwing {@link STREAM_STOPPED} if `stop` says so), decodes it on first use. */
  at(index: number): unknown;
}

/**
 * A reader of `shared` (from {@link createItemStream}), `decode` turning a
 * block's bytes into its items (copying them out of shared memory);
 * `stopped` tells a waiting participant that the job has stopped.
 *
 * @example
 * ```ts
 * const reader = itemStreamReader(job.sharedItems, (bytes) => v8.deserialize(bytes), () => Atomics.load(control, MapControl.Stop) !== 0);
 * ```
 */
export function itemStreamReader(
  shared: SharedArrayBuffer,
  decode: (bytes: Uint8Array) => ArrayLike<unknown>,
  stopped: () => boolean,
): ItemStreamReader {
  const words = new Int32Array(shared, 0, TABLE);
  const blockSize = words[BLOCK_SIZE]!;
  const blocks = words[BLOCKS]!;
  const from = words[FROM]!;
  const header = new Int32Array(shared, 0, TABLE + blocks * ENTRY_WORDS);
  const start = dataStart(blocks);
  let current = -1;
  let items: ArrayLike<unknown> = [];
  const blockOf = (index: number): number => Math.floor((index - from) / blockSize);
  return {
    reserve(first: number, end: number, delta: number): void {
      for (let b = blockOf(first), last = blockOf(end - 1); b <= last; b++) Atomics.add(header, TABLE + b * ENTRY_WORDS + CLAIMS, delta);
    },
    claimed(first: number): void {
      if (blockOf(first) === current) Atomics.add(header, TABLE + current * ENTRY_WORDS + RELEASED, 1);
    },
    at(index: number): unknown {
      const block = blockOf(index);
      if (block !== current) {
        for (;;) {
          const produced = Atomics.load(header, PRODUCED);
          if (produced > block) break;
          if (stopped()) throw STREAM_STOPPED;
          Atomics.wait(header, PRODUCED, produced, WAIT_SLICE_MS);
        }
        const entry = TABLE + block * ENTRY_WORDS;
        const offset = header[entry + OFFSET]!;
        items = decode(new Uint8Array(shared, start + offset, header[entry + LENGTH]!));
        current = block;
        // The items are in this heap now: the bytes may be reused.
        Atomics.add(header, entry + RELEASED, 1);
      }
      return items[index - from - block * blockSize];
    },
  };
}
