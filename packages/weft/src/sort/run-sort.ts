/**
 * The rounds of a parallel sort: sort runs, then merge neighbouring runs
 * pairwise, each merge cut into pieces of equal output length (merge path),
 * until one run is left.
 *
 * @module
 */
import type { Kernel, KernelEnv, KernelTask, MergeTask } from './sort-kernel.js';

/** Runs the tasks of one round (in any order, at once or not); settles once every one has finished, or one failed. */
export type RunRound = (tasks: readonly KernelTask[]) => unknown;

/** What {@link runSort} needs. */
export interface SortJob {
  /** Items to sort, in `env.bufs[0]` (or in `values`). */
  readonly length: number;
  /** Items per run of the first round. */
  readonly runLength: number;
  /** Output items per merge task at most. */
  readonly pieceLength: number;
  /** The calling thread's kernel and environment: for splits (and for tasks run here). */
  readonly here: Kernel;
  readonly env: KernelEnv;
  readonly runSorts: RunRound;
  readonly runMerges: RunRound;
  /** Values path: each run's values travel with its sort task, and the buffers hold permutations. */
  readonly values: readonly unknown[] | undefined;
}

/**
 * Sort the job; resolves with the index of the buffer that holds the
 * result. On the keys path that is always 0: the runs are sorted into
 * buffer 1 when an odd number of merge rounds follows.
 */
export async function runSort(job: SortJob): Promise<0 | 1> {
  const { length, values } = job;
  let runs: [number, number][] = [];
  for (let lo = 0; lo < length; lo += job.runLength) runs.push([lo, Math.min(length, lo + job.runLength)]);
  const rounds = runs.length > 1 ? Math.ceil(Math.log2(runs.length)) : 0;
  let src: 0 | 1 = values === undefined && rounds % 2 === 1 ? 1 : 0;
  await job.runSorts(runs.map(([lo, hi]) => ({ kind: 0, lo, hi, src: 0, dst: src, ...(values === undefined ? {} : { values: values.slice(lo, hi) }) })));
  while (runs.length > 1) {
    const dst: 0 | 1 = src === 0 ? 1 : 0;
    const tasks: MergeTask[] = [];
    const merged: [number, number][] = [];
    for (let r = 0; r < runs.length; r += 2) {
      const [x0, x1] = runs[r] as [number, number];
      const y1 = (runs[r + 1] ?? [x1, x1])[1];
      merged.push([x0, y1]);
      const total = y1 - x0;
      const pieces = Math.max(1, Math.round(total / job.pieceLength));
      // Where piece q starts: d output items, i of them from x. Kept monotonic and within bounds
      // whatever the comparator says, so the pieces always tile the output exactly.
      let d = 0;
      let i = 0;
      for (let q = 1; q <= pieces; q++) {
        const nextD = Math.floor((q * total) / pieces);
        const found = job.here({ kind: 2, x0, x1, y0: x1, y1, d: nextD, src }, 0, job.env);
        const nextI = Math.max(i, Math.min(found, i + nextD - d));
        tasks.push({ kind: 1, x0: x0 + i, x1: x0 + nextI, y0: x1 + d - i, y1: x1 + nextD - nextI, out: x0 + d, src, dst });
        d = nextD;
        i = nextI;
      }
    }
    await job.runMerges(tasks);
    runs = merged;
    src = dst;
  }
  return src;
}
