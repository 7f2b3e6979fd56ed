/**
 * How a participant of a map job claims its next chunk from shared memory.
 *
 * @module
 */
import { MapControl } from '../protocol.js';

/**
 * How much of what remains one guided claim takes: `remaining / (participants * GUIDED_DIVISOR)`.
 * Chunks start large (few claims, few result batches) and shrink towards
 * the end, so uneven items still balance.
 */
export const GUIDED_DIVISOR = 2;

/**
 * A guided claim takes at most this many items (unless `minChunk` asks for
 * more). A chunk's results are one array, sent in one message: past 32,768
 * values (256 kB) the engine allocates such arrays in its large-object space,
 * which only a full collection frees, and 10,000,000 numbers mapped on 2
 * workers left 165 MB of them on the calling thread's heap (peak memory 2x
 * that of `items.map`). Claims stay cheap: one compare-exchange per 16,384 items.
 */
export const MAX_GUIDED_CHUNK = 16_384;

/**
 * Claim `[start, end)` of the job's items, or `null` when none remain.
 *
 * The claim is one compareExchange on `control[Next]`: whoever moves `Next`
 * from `start` to `end` owns those items, so every index is claimed by
 * exactly one participant. A failed compareExchange means another
 * participant claimed first; re-read and retry (lock-free: someone always
 * makes progress).
 *
 * @param fixedChunk - a user-chosen chunk size, or 0 for guided chunks.
 * @param reserve - called with `1` before each compare-exchange on the range
 *   it tries, and with `-1` after one that failed: streamed items count
 *   their claims this way (backend/item-stream.ts).
 */
export function claimChunk(
  control: Int32Array,
  total: number,
  minChunk: number,
  fixedChunk: number,
  participants: number,
  reserve?: (start: number, end: number, delta: number) => void,
): [number, number] | null {
  for (;;) {
    const next = Atomics.load(control, MapControl.Next);
    if (next >= total) return null;
    const size =
      fixedChunk > 0
        ? fixedChunk
        : Math.max(minChunk, Math.min(MAX_GUIDED_CHUNK, Math.ceil((total - next) / (participants * GUIDED_DIVISOR))));
    const end = Math.min(total, next + size);
    reserve?.(next, end, 1);
    if (Atomics.compareExchange(control, MapControl.Next, next, end) === next) return [next, end];
    reserve?.(next, end, -1);
  }
}
