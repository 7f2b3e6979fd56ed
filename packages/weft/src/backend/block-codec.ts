/**
 * How a block of streamed items is laid out in the ring (item-stream.ts):
 * strings and numbers written straight into shared memory, anything else
 * in the structured-clone format (`v8.serialize`, on Node only: elsewhere
 * only arrays of strings or of numbers are streamed, {@link streamableWithout}).
 *
 * A block of only well-formed strings is `[1, count, char lengths..., UTF-8
 * bytes]`; of only numbers `[2, count, float64s...]`; otherwise `[3,
 * serialized bytes...]`. The first two leave nothing behind on the calling
 * thread and take a third of the time (2,000,000 strings: 1.1 s against
 * 3.4 s on 2 workers); a serialized block is a buffer of its own, garbage
 * once copied, which kept 65-100 MB of external memory alive until the next
 * collection. (Detaching that buffer at once with `ArrayBuffer#transfer`, on
 * Node 22+, corrupted the copies the workers read: it is left alone.)
 *
 * @module
 */
import type { BlockEncoder, EncodedBlock } from './item-stream.js';

/** `String.prototype.isWellFormed` (ES2024; Node 20 has it). */
type WellFormed = string & { isWellFormed?(): boolean };

// The first byte of a block: what follows.
const STRINGS = 1;
const NUMBERS = 2;
const SERIALIZED = 3;

/** Bytes before the strings' lengths or the numbers: the tag, padding, and the count. */
const HEAD = 8;

const encoder = new TextEncoder();

/** Whether this machine stores numbers little-endian, as blocks are written. */
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** Whether `encodeInto` writes into shared memory here (Node, Deno, Bun); browsers refuse it. */
const encodesIntoShared = ((): boolean => {
  try {
    encoder.encodeInto('', new Uint8Array(new SharedArrayBuffer(1)));
    return true;
  } catch {
    return false;
  }
})();

/** Where strings are encoded first where `encodeInto` refuses shared memory (grown as needed, reused). */
let scratch = new Uint8Array(0);

/** Write `text` as UTF-8 at `target[at..]` (room for 3 bytes per unit is there); returns the bytes written. */
function encodeAt(text: string, target: Uint8Array, at: number): number {
  if (encodesIntoShared) return encoder.encodeInto(text, target.subarray(at)).written;
  if (scratch.length < 3 * text.length) scratch = new Uint8Array(Math.max(3 * text.length, 2 * scratch.length));
  const written = encoder.encodeInto(text, scratch).written;
  target.set(scratch.subarray(0, written), at);
  return written;
}
// ignoreBOM: a string that starts with U+FEFF keeps it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The block encoder: strings and numbers as they are, anything else through
 * `serialize` (which throws on what cannot be sent).
 *
 * @example
 * ```ts
 * const stream = createItemStream(items, 0, 4096, blockEncoder((block) => v8.serialize(block)));
 * ```
 */
export function blockEncoder(serialize?: (block: unknown[]) => Uint8Array): BlockEncoder {
  return (items, first, end) => {
    const block = stringsBlock(items, first, end) ?? numbersBlock(items, first, end);
    if (block) return block;
    if (!serialize) throw new TypeError('internal: a block of items neither all strings nor all numbers, with no serializer');
    return serializedBlock(serialize(items.slice(first, end)));
  };
}

/**
 * Whether `items` can be streamed with no serializer: every one a number, or
 * every one a well-formed string (one pass of type checks).
 *
 * @example
 * ```ts
 * streamableWithout(['a', 'b']); // true
 * streamableWithout(['a', 1]); // false: mixed
 * ```
 */
export function streamableWithout(items: readonly unknown[]): boolean {
  if (items.length === 0) return false;
  if (typeof items[0] === 'number') {
    for (let i = 0; i < items.length; i++) if (typeof items[i] !== 'number') return false;
    return true;
  }
  for (let i = 0; i < items.length; i++) if (!isWellFormedString(items[i])) return false;
  return true;
}

function stringsBlock(items: readonly unknown[], first: number, end: number): EncodedBlock | undefined {
  let chars = 0;
  for (let i = first; i < end; i++) {
    const item = items[i];
    if (!isWellFormedString(item)) return undefined;
    chars += item.length;
  }
  const count = end - first;
  const lengthsEnd = HEAD + 4 * count;
  return {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    bound: lengthsEnd + 3 * chars,
    write(target) {
      const view = blockHead(target, STRINGS, count);
      let at = lengthsEnd;
      for (let i = first; i < end; i++) {
        const item = items[i] as string;
        view.setUint32(HEAD + 4 * (i - first), item.length, true);
        at += encodeAt(item, target, at);
      }
      return at;
    },
  };
}

/** A view of `target` with the block's tag and item count written. */
function blockHead(target: Uint8Array, tag: number, count: number): DataView {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  view.setUint8(0, tag);
  view.setUint32(4, count, true);
  return view;
}

/** A string UTF-8 carries exactly: no lone surrogate. */
function isWellFormedString(item: unknown): item is string {
  return typeof item === 'string' && (item as WellFormed).isWellFormed?.() === true;
}

function numbersBlock(items: readonly unknown[], first: number, end: number): EncodedBlock | undefined {
  for (let i = first; i < end; i++) if (typeof items[i] !== 'number') return undefined;
  const count = end - first;
  return {
    bound: HEAD + 8 * count,
    write(target) {
      const view = blockHead(target, NUMBERS, count);
      for (let i = first; i < end; i++) view.setFloat64(HEAD + 8 * (i - first), items[i] as number, true);
      return HEAD + 8 * count;
    },
  };
}

function serializedBlock(bytes: Uint8Array): EncodedBlock {
  return {
    bound: 1 + bytes.length,
    write(target) {
      target[0] = SERIALIZED;
      target.set(bytes, 1);
      return 1 + bytes.length;
    },
  };
}

/**
 * The matching decoder, `deserialize` reading a serialized block (copying
 * typed arrays out of shared memory; only Node writes those). One decoder
 * per reader: a block of numbers comes back in a typed array the next
 * block of numbers reuses.
 *
 * @example
 * ```ts
 * const reader = itemStreamReader(shared, blockDecoder(() => (bytes) => v8.deserialize(bytes)), stopped);
 * ```
 */
export function blockDecoder(deserialize?: () => (bytes: Uint8Array) => unknown[]): (bytes: Uint8Array) => ArrayLike<unknown> {
  // Numbers are read into one typed array per decoder (one reader, one job), reused by the next block:
  // a reader keeps only its current block, and a fresh array per block was garbage the size of the input.
  let scratch = new Float64Array(0);
  return (bytes) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const tag = view.getUint8(0);
    if (tag === SERIALIZED) {
      if (!deserialize) throw new TypeError('internal: a serialized block of items where no deserializer is at hand');
      return deserialize()(bytes.subarray(1));
    }
    const count = view.getUint32(4, true);
    if (tag === NUMBERS) {
      // One copy of the bytes where this machine stores float64s as they were written (little-endian),
      // into a typed array the worker reads items from: 20% less than reading each into an array.
      if (scratch.length < count) scratch = new Float64Array(count);
      const numbers = scratch.length === count ? scratch : scratch.subarray(0, count);
      if (LITTLE_ENDIAN) new Uint8Array(numbers.buffer).set(bytes.subarray(HEAD, HEAD + 8 * count));
      else for (let k = 0; k < count; k++) numbers[k] = view.getFloat64(HEAD + 8 * k, true);
      return numbers;
    }
    const items = new Array<unknown>(count);
    // One decode of the block (from a private copy: browsers refuse to decode shared memory), then each
    // string cut from it by its length.
    const all = decoder.decode(bytes.slice(HEAD + 4 * count));
    for (let k = 0, at = 0; k < count; k++) {
      const length = view.getUint32(HEAD + 4 * k, true);
      items[k] = all.slice(at, at + length);
      at += length;
    }
    return items;
  };
}
