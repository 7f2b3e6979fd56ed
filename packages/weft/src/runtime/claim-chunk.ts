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
 * Claim `[start, end)` of the job's items, or `null` when none remain.
 *
 * The claim is one compareExchange on `control[Next]`: whoever moves `Next`
 * from `start` to `end` owns those items, so every index is claimed by
 * exactly one participant. A failed compareExchange means another
 * participant claimed first; re-read and retry (lock-free: someone always
 * makes progress).
 *
 * @param fixedChunk - a user-chosen chunk size, or 0 for guided chunks.
 */
export function claimChunk(
  control: Int32Array,
  total: number,
  minChunk: number,
  fixedChunk: number,
  participants: number,
): [number, number] | null {
  for (;;) {
    const next = Atomics.load(control, MapControl.Next);
    if (next >= total) return null;
    const size =
      fixedChunk > 0 ? fixedChunk : Math.max(minChunk, Math.ceil((total - next) / (participants * GUIDED_DIVISOR)));
    const end = Math.min(total, next + size);
    if (Atomics.compareExchange(control, MapControl.Next, next, end) === next) return [next, end];
  }
}
