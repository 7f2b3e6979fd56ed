// Fork-join quicksort on a Pool, over a Float64Array on a SharedArrayBuffer:
// each task partitions its part, forks the left half (an idle worker steals
// it) and sorts the right half itself; parts under a cutoff are sorted
// sequentially. Compared with the same quicksort on one thread, with
// Float64Array.prototype.sort, and with Weft's parallelSort (runs sorted on
// the workers, then merged in parallel).
//   npm start              the full run (4M numbers, best of 3 rounds)
//   npm test               a quick run with checks (used by the smoke test)
import { availableParallelism } from 'node:os';
import { Pool, parallelSort } from 'weftjs';
import { seededRandom } from '@weft/example-support';
import { quicksort, sortPart } from './sort-tasks.mjs';

const small = process.argv.includes('--small');
const length = small ? 200_000 : 4_000_000;
const rounds = small ? 1 : 3;
/** Parts at most this long are sorted sequentially: about 64 leaves, enough to balance, few enough to stay cheap. */
const cutoff = Math.max(4_096, length >> 6);
const workers = availableParallelism();

const onTerminal = process.stdout.isTTY === true;

/**
 * Run `round` `rounds` times (each returns its own duration in ms: setup stays
 * untimed) and return the best; on a terminal, show which round is running.
 */
async function best(label: string, round: () => number | Promise<number>): Promise<number> {
  let fastest = Infinity;
  for (let r = 1; r <= rounds; r++) {
    if (onTerminal) process.stdout.write(`\r  ${label.padEnd(22)} round ${r}/${rounds}`);
    fastest = Math.min(fastest, await round());
  }
  const line = `  ${label.padEnd(22)} ${fastest.toFixed(0).padStart(6)} ms`;
  console.log(onTerminal ? `\r${line.padEnd(40)}` : line);
  return fastest;
}

function firstDifference(a: Float64Array, b: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return a.length === b.length ? -1 : a.length;
}

function assertSorted(a: Float64Array, label: string): void {
  for (let i = 1; i < a.length; i++) {
    if ((a[i - 1] as number) > (a[i] as number)) throw new Error(`${label} is not sorted at index ${i}: ${a[i - 1]} > ${a[i]}`);
  }
}

const next = seededRandom(0x5eed);
const input = new Float64Array(length);
for (let i = 0; i < length; i++) input[i] = (next() - 0.5) * 2e6;

console.log(`Sorting ${length.toLocaleString('en')} float64 numbers, ${workers} workers, sequential cutoff ${cutoff.toLocaleString('en')}, best of ${rounds}\n`);

let sequential = input;
const sequentialMs = await best('sequential quicksort', () => {
  sequential = input.slice();
  const t0 = performance.now();
  quicksort(sequential);
  return performance.now() - t0;
});

let builtin = input;
const builtinMs = await best('Float64Array#sort', () => {
  builtin = input.slice();
  const t0 = performance.now();
  builtin.sort();
  return performance.now() - t0;
});

const pool = new Pool({ size: workers });
try {
  // The array the workers sort in place: shared memory, so every worker (and every fork) sees the same numbers.
  const shared = new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
  // Start the workers first, so the timed rounds do not include it.
  const t0 = performance.now();
  await Promise.all(Array.from({ length: workers }, () => pool.run(() => 0)));
  const startMs = performance.now() - t0;

  let forks = 0;
  const forkJoinMs = await best('fork-join on the Pool', async () => {
    shared.set(input);
    const t1 = performance.now();
    forks = await pool.run(sortPart, shared, 0, length, cutoff);
    return performance.now() - t1;
  });
  console.log(`  (${forks} forks a round, ${pool.stats.stolen} stolen by idle workers in all; starting the workers took ${startMs.toFixed(0)} ms more)`);

  assertSorted(shared, 'the fork-join result');
  const vsSequential = firstDifference(shared, sequential);
  if (vsSequential >= 0) throw new Error(`fork-join and sequential quicksort differ at index ${vsSequential}`);
  const vsBuiltin = firstDifference(shared, builtin);
  if (vsBuiltin >= 0) throw new Error(`fork-join quicksort and Float64Array#sort differ at index ${vsBuiltin}`);

  // The library's own parallel sort, on the same shared memory: no tasks to write, the outcome of shared.sort().
  const parallelSortMs = await best('parallelSort', async () => {
    shared.set(input);
    const t1 = performance.now();
    await parallelSort(shared, { pool });
    return performance.now() - t1;
  });
  const vsParallelSort = firstDifference(shared, builtin);
  if (vsParallelSort >= 0) throw new Error(`parallelSort and Float64Array#sort differ at index ${vsParallelSort}`);

  console.log(
    `\n  sorted, and equal to both sequential results; speedup ${(sequentialMs / forkJoinMs).toFixed(2)}x over sequential quicksort, ` +
      `${(builtinMs / forkJoinMs).toFixed(2)}x over Float64Array#sort; parallelSort ${(builtinMs / parallelSortMs).toFixed(2)}x over Float64Array#sort`,
  );
} finally {
  await pool.close();
}
