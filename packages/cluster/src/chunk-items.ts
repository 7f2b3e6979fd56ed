/**
 * Caller side: a call's items cut into chunks, one BullMQ job each, every
 * chunk encoded once in Weft's codec at the call (so an item that cannot
 * travel is a `TypeError` naming its index, before any job is queued).
 *
 * @module
 */
import { encodeValue } from 'weftjs/wire';

/** One job's share of the items. */
export interface Chunk {
  /** Index of its first item in the input. */
  readonly offset: number;
  readonly count: number;
  /** The items, an array in Weft's codec, base64. */
  readonly items: string;
}

/** Adaptive chunking aims at about this many jobs per call... */
export const TARGET_JOBS = 64;
/** ...with at most this many items each... */
export const MAX_CHUNK_ITEMS = 10_000;
/** ...and at most this many encoded bytes (larger chunks are halved; a single item may exceed it). */
export const MAX_CHUNK_BYTES = 512 * 1024;

/** The adaptive chunk size for `total` items. */
export function adaptiveChunkSize(total: number): number {
  return Math.min(MAX_CHUNK_ITEMS, Math.max(1, Math.ceil(total / TARGET_JOBS)));
}

function encodeItems(where: string, items: ArrayLike<unknown>, from: number, to: number): Uint8Array {
  const slice = Array.prototype.slice.call(items, from, to) as unknown[];
  try {
    return encodeValue(slice, `${where}: items`);
  } catch {
    // Find the item to name: the first that cannot be encoded on its own.
    for (let i = from; i < to; i++) encodeValue(items[i], `${where}: item ${i}`);
    throw new TypeError(`${where}: items ${from}-${to - 1} cannot be encoded together`);
  }
}

/**
 * Cut `items` into chunks of `chunkSize` (adaptive when undefined: see
 * {@link adaptiveChunkSize}, and halved past {@link MAX_CHUNK_BYTES}).
 *
 * @throws TypeError naming the first item that cannot be sent (a function, a symbol, shared memory).
 */
export function chunkItems(where: string, items: ArrayLike<unknown>, chunkSize: number | undefined): Chunk[] {
  const chunks: Chunk[] = [];
  const size = chunkSize ?? adaptiveChunkSize(items.length);
  const push = (from: number, to: number): void => {
    const bytes = encodeItems(where, items, from, to);
    if (chunkSize === undefined && bytes.length > MAX_CHUNK_BYTES && to - from > 1) {
      const middle = from + Math.floor((to - from) / 2);
      push(from, middle);
      push(middle, to);
      return;
    }
    chunks.push({ offset: from, count: to - from, items: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') });
  };
  for (let from = 0; from < items.length; from += size) push(from, Math.min(items.length, from + size));
  return chunks;
}
