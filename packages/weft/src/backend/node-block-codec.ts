/**
 * How a block of streamed items is laid out in the ring (item-stream.ts) on
 * Node: strings and numbers written straight into shared memory, anything
 * else in the structured-clone format (`v8.serialize`).
 *
 * A block of only well-formed strings is `[1, count, char lengths..., UTF-8
 * bytes]`; of only numbers `[2, count, float64s...]`; otherwise `[3,
 * serialized bytes...]`. The first two leave nothing behind on the calling
 * thread: a serialized block is a buffer of its own, garbage once copied,
 * and the garbage of 2,000,000 strings (about 100 MB) lasted until the next
 * collection of a heap holding the items themselves, which kept the peak
 * memory of a call at 1.75x that of `items.map`.
 *
 * @module
 */
import type { BlockEncoder, EncodedBlock } from './item-stream.js';

/** `String.prototype.isWellFormed` (ES2024; Node 20 has it). */
type WellFormed = string & { isWellFormed?(): boolean };

const enum Tag {
  Strings = 1,
  Numbers = 2,
  Serialized = 3,
}

/** Bytes before the strings' lengths or the numbers: the tag, padding, and the count. */
const HEAD = 8;

const encoder = new TextEncoder();
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
export function blockEncoder(serialize: (block: unknown[]) => Uint8Array): BlockEncoder {
  return (items, first, end) => stringsBlock(items, first, end) ?? numbersBlock(items, first, end) ?? serializedBlock(serialize(items.slice(first, end)));
}

function stringsBlock(items: readonly unknown[], first: number, end: number): EncodedBlock | undefined {
  let chars = 0;
  for (let i = first; i < end; i++) {
    const item = items[i];
    // A lone surrogate would not survive UTF-8.
    if (typeof item !== 'string' || (item as WellFormed).isWellFormed?.() !== true) return undefined;
    chars += item.length;
  }
  const count = end - first;
  const lengthsEnd = HEAD + 4 * count;
  return {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    bound: lengthsEnd + 3 * chars,
    write(target) {
      const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
      view.setUint8(0, Tag.Strings);
      view.setUint32(4, count, true);
      let at = lengthsEnd;
      for (let i = first; i < end; i++) {
        const item = items[i] as string;
        view.setUint32(HEAD + 4 * (i - first), item.length, true);
        at += encoder.encodeInto(item, target.subarray(at)).written;
      }
      return at;
    },
  };
}

function numbersBlock(items: readonly unknown[], first: number, end: number): EncodedBlock | undefined {
  for (let i = first; i < end; i++) if (typeof items[i] !== 'number') return undefined;
  const count = end - first;
  return {
    bound: HEAD + 8 * count,
    write(target) {
      const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
      view.setUint8(0, Tag.Numbers);
      view.setUint32(4, count, true);
      for (let i = first; i < end; i++) view.setFloat64(HEAD + 8 * (i - first), items[i] as number, true);
      return HEAD + 8 * count;
    },
  };
}

function serializedBlock(bytes: Uint8Array): EncodedBlock {
  return {
    bound: 1 + bytes.length,
    write(target) {
      target[0] = Tag.Serialized;
      target.set(bytes, 1);
      // Free the serialized copy now (Node 22+), instead of at the next collection.
      const buffer = bytes.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };
      if (bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) buffer.transfer?.(0);
      return 1 + bytes.length;
    },
  };
}

/**
 * The matching decoder, `deserialize` reading a serialized block (copying
 * typed arrays out of shared memory).
 *
 * @example
 * ```ts
 * const reader = itemStreamReader(shared, blockDecoder((bytes) => v8.deserialize(bytes)), stopped);
 * ```
 */
export function blockDecoder(deserialize: (bytes: Uint8Array) => unknown[]): (bytes: Uint8Array) => unknown[] {
  return (bytes) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const tag = view.getUint8(0);
    if (tag === Tag.Serialized) return deserialize(bytes.subarray(1));
    const count = view.getUint32(4, true);
    const items = new Array<unknown>(count);
    if (tag === Tag.Numbers) {
      for (let k = 0; k < count; k++) items[k] = view.getFloat64(HEAD + 8 * k, true);
      return items;
    }
    // One decode of the block, then each string cut from it by its length.
    const all = decoder.decode(bytes.subarray(HEAD + 4 * count));
    for (let k = 0, at = 0; k < count; k++) {
      const length = view.getUint32(HEAD + 4 * k, true);
      items[k] = all.slice(at, at + length);
      at += length;
    }
    return items;
  };
}
