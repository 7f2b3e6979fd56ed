/** Sort `data[lo, hi)` in place with fork-join (`data` on a SharedArrayBuffer); returns the number of forks made. */
export declare const sortPart: (data: Float64Array, lo: number, hi: number, cutoff: number) => number;

/** Sort `a[lo, hi)` in place, sequentially. */
export declare function quicksort(a: Float64Array, lo?: number, hi?: number): void;
