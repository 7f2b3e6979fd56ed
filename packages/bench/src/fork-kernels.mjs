// Fork-join kernels for the Pool benchmark: module functions, so they can
// refer to themselves and import fork. Each has a sequential twin.
import { defineTask, fork } from 'weftjs';

export function fibSeq(n) {
  return n < 2 ? n : fibSeq(n - 1) + fibSeq(n - 2);
}

/** The sequential kernels as tasks: independent copies at once on N workers show what the machine allows. */
export const fibTask = defineTask(import.meta.url, (n) => fibSeq(n));
export const queensTask = defineTask(import.meta.url, (n) => queensSeq(n));

/** fib(n) forking down to `cutoff`, sequential below it. */
export const fibPar = defineTask(import.meta.url, (n, cutoff) => {
  if (n <= cutoff) return fibSeq(n);
  const left = fork(fibPar, n - 1, cutoff);
  const right = fibPar(n - 2, cutoff);
  return left.join() + right;
});

export function queensSeq(n, row = 0, cols = 0, d1 = 0, d2 = 0) {
  if (row === n) return 1;
  const all = (1 << n) - 1;
  let free = all & ~(cols | d1 | d2);
  let count = 0;
  while (free) {
    const bit = free & -free;
    free ^= bit;
    count += queensSeq(n, row + 1, cols | bit, ((d1 | bit) << 1) & all, (d2 | bit) >> 1);
  }
  return count;
}

/** n-queens forking one task per placement in the first `forkRows` rows. */
export const queensPar = defineTask(import.meta.url, (n, forkRows, row = 0, cols = 0, d1 = 0, d2 = 0) => {
  if (row >= forkRows) return queensSeq(n, row, cols, d1, d2);
  const all = (1 << n) - 1;
  let free = all & ~(cols | d1 | d2);
  const handles = [];
  while (free) {
    const bit = free & -free;
    free ^= bit;
    handles.push(fork(queensPar, n, forkRows, row + 1, cols | bit, ((d1 | bit) << 1) & all, (d2 | bit) >> 1));
  }
  let count = 0;
  for (const h of handles) count += h.join();
  return count;
});
