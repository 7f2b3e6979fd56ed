import type { Barrier } from 'weft';

/** What {@link attach} receives as `context`: the array to sort, and a barrier with one party per worker. */
export interface AttachContext {
  readonly data: Float64Array;
  readonly allAttached: Barrier;
}

/** `pool.map` function: make `context.data` the array this worker sorts (one item per worker). */
export declare const attach: (item: unknown, index: number, context: AttachContext) => void;

/** Sort the attached array's `[lo, hi)` in place with fork-join; returns the number of forks made. */
export declare const sortPart: (lo: number, hi: number, cutoff: number) => number;

/** Sort `a[lo, hi)` in place, sequentially. */
export declare function quicksort(a: Float64Array, lo?: number, hi?: number): void;
