import type { AtomicInt32, Channel } from 'weftjs';

/** A parsed line of input: estimate pi with `samples` points drawn from `seed`. */
export interface Job {
  readonly id: number;
  readonly seed: number;
  readonly samples: number;
}

/** What a job found: how many of its points fell inside the quarter circle. */
export interface Outcome {
  readonly id: number;
  readonly samples: number;
  readonly inside: number;
}

/** Stage 1: parse `count` lines of input into jobs, send them on `jobs`, then close it. Returns `count`. */
export declare const readJobs: (count: number, seed: number, jobs: Channel<Job>) => number;

/** Stage 2: run jobs until `jobs` is closed and drained; the last one running closes `outcomes`. Returns the jobs it ran. */
export declare const runJobs: (jobs: Channel<Job>, outcomes: Channel<Outcome>, running: AtomicInt32) => number;

/** Line `id` of the input, `id,seed,samples`. */
export declare function inputLine(id: number, seed: number): string;

/** Parse a line of the input; throws `SyntaxError` on a malformed line. */
export declare function parseLine(line: string): Job;

/** Run one job (CPU-heavy, deterministic). */
export declare function runJob(job: Job): Outcome;
