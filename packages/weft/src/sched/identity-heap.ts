/**
 * The native backend's side of a task slot: on shared-heap threads a task's
 * function, arguments and result pass by identity, so they live in plain
 * arrays indexed by slot instead of the slot's payload bytes. The slot's
 * words (state, flags, times) still live in the scheduler memory, and the
 * same queues move slot numbers, so one scheduler serves both backends.
 *
 * Ownership follows the slot: whoever owns a slot (the submitter until it is
 * queued, then its runner, then its joiner or the caller) is the only one
 * writing its entries, and the `State` word's `Atomics.store` publishes them.
 *
 * @module
 */
import type { IdentityHeap } from '../protocol.js';
export type { IdentityHeap } from '../protocol.js';


/** `Slot.ResultLength` when the outcome is in {@link IdentityHeap.results} (the value, or the thrown error itself). */
export const RESULT_IN_HEAP = -2;

/** Take a finished slot's outcome (its value, or the thrown object) and clear the slot's entries. */
export function takeResult(heap: IdentityHeap, slot: number): unknown {
  const value = heap.results[slot];
  heap.results[slot] = undefined;
  heap.fns[slot] = undefined;
  return value;
}

/** A heap for `slots` task slots (every entry an own property from the start). */
export function createIdentityHeap(slots: number): IdentityHeap {
  return {
    fns: new Array<unknown>(slots).fill(undefined),
    args: new Array<readonly unknown[] | undefined>(slots).fill(undefined),
    results: new Array<unknown>(slots).fill(undefined),
  };
}
