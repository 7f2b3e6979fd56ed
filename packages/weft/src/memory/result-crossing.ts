/**
 * One outcome wherever an item ran: the rules for what crosses between the
 * caller and a worker, applied on the calling thread too (the probe, and
 * inputs too small for workers). On the worker backend an item's function
 * gets a copy of the item and the caller gets a copy of the result, so a
 * result that cannot be copied is refused, and a mutation of the item is
 * never seen by the caller, whichever thread ran it. Weft's shared objects
 * and typed arrays on a `SharedArrayBuffer` stay shared either way.
 *
 * @module
 */
import { decodeShareables, encodeShareables } from './shareable.js';

/** The error for a result that cannot travel back to the caller; the same text on every path. */
export function unsendableResult(index: number, err: unknown): TypeError {
  return new TypeError(
    `The result at index ${index} cannot be sent back from the worker (${(err as Error).message}); return plain data: objects, arrays, numbers, strings, Map, Set, Date, typed arrays`,
  );
}

/** A copy of `value` as the other side of a worker boundary would see it; primitives as they are. Throws what the copy throws. */
export function crossingCopy<T>(value: T): T {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return value;
  return decodeShareables(structuredClone(encodeShareables(value))) as T;
}
