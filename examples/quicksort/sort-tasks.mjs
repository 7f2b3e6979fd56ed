// Quicksort, sequential and fork-join, as module functions: a module can refer
// to itself (`fork(sortPart, ...)`) and share helpers, which functions shipped
// as source cannot. Its types are in sort-tasks.d.mts.
//
// Why JavaScript: a worker imports this module by its URL, and on Node 20 the
// tsx loader is not active in worker threads, so a .ts module would fail there
// with ERR_UNKNOWN_FILE_EXTENSION.
import { defineTask, fork } from 'weftjs';

/** Below this many elements, insertion sort beats partitioning. */
const INSERTION_MAX = 24;

/**
 * Sort `data[lo, hi)` in place with fork-join: partition, fork the left part
 * (an idle worker may steal it), sort the right part here, join. Parts of at
 * most `cutoff` elements are sorted sequentially. Returns the number of forks
 * made below this call.
 *
 * `data` is a Float64Array on a SharedArrayBuffer: it reached the first task
 * through `pool.run`'s arguments, so every fork gets the same memory (the
 * pool tells its workers about the buffer; forks carry a number for it).
 */
export const sortPart = defineTask(import.meta.url, (data, lo, hi, cutoff) => {
  if (hi - lo <= cutoff) {
    quicksort(data, lo, hi);
    return 0;
  }
  const split = partition(data, lo, hi - 1) + 1;
  const left = fork(sortPart, data, lo, split, cutoff);
  const forksRight = sortPart(data, split, hi, cutoff);
  return 1 + left.join() + forksRight;
});

/** Sort `a[lo, hi)` in place, sequentially (median-of-three quicksort, insertion sort for small parts). */
export function quicksort(a, lo = 0, hi = a.length) {
  let first = lo;
  let last = hi - 1;
  while (last - first >= INSERTION_MAX) {
    const split = partition(a, first, last);
    // Recurse into the smaller side and loop on the larger: the stack stays O(log n).
    if (split - first < last - split) {
      quicksort(a, first, split + 1);
      first = split + 1;
    } else {
      quicksort(a, split + 1, last + 1);
      last = split;
    }
  }
  insertionSort(a, first, last);
}

/**
 * Hoare partition of `a[lo..hi]` (inclusive) around the median of three:
 * returns `p` with `lo <= p < hi` and every element of `a[lo..p]` <= every
 * element of `a[p+1..hi]`.
 */
function partition(a, lo, hi) {
  const mid = lo + ((hi - lo) >> 1);
  // Order a[lo] <= a[mid] <= a[hi]; the median, at mid (never hi), is the pivot.
  if (a[mid] < a[lo]) swap(a, mid, lo);
  if (a[hi] < a[lo]) swap(a, hi, lo);
  if (a[hi] < a[mid]) swap(a, hi, mid);
  const pivot = a[mid];
  let i = lo - 1;
  let j = hi + 1;
  for (;;) {
    do i++;
    while (a[i] < pivot);
    do j--;
    while (a[j] > pivot);
    if (i >= j) return j;
    swap(a, i, j);
  }
}

function insertionSort(a, first, last) {
  for (let i = first + 1; i <= last; i++) {
    const value = a[i];
    let j = i - 1;
    while (j >= first && a[j] > value) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = value;
  }
}

function swap(a, i, j) {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
