// The pipeline's stages, as module functions: the workers import this module
// (by its URL) and run them, and the main thread imports it too, to compute
// the same result sequentially. Types: stages.d.mts.
//
// Why JavaScript: on Node 20 the tsx loader is not active in worker threads,
// so a worker could not import a .ts module (ERR_UNKNOWN_FILE_EXTENSION).
import { defineTask } from 'weftjs';

/**
 * Stage 1, on one worker: "read" `count` lines of input, parse each into a
 * job, and send the jobs on `jobs`. Closes `jobs` when done, even on
 * failure: that end-of-stream is what ends the transformers' loops.
 */
export const readJobs = defineTask(import.meta.url, (count, seed, jobs) => {
  try {
    for (let id = 0; id < count; id++) jobs.sendSync(parseLine(inputLine(id, seed)));
  } finally {
    jobs.close();
  }
  return count;
});

/**
 * Stage 2, on several workers at once: take jobs until `jobs` is closed and
 * drained, run each (CPU-heavy), send the outcome on `outcomes`. The last
 * transformer to finish closes `outcomes` (`running` counts those still
 * going), which ends stage 3's `for await`.
 */
export const runJobs = defineTask(import.meta.url, (jobs, outcomes, running) => {
  let done = 0;
  try {
    // Blocks this worker while `jobs` is empty; ends once it is closed and drained.
    for (const job of jobs) {
      outcomes.sendSync(runJob(job));
      done++;
    }
  } finally {
    // sub returns the previous value: 1 means this was the last transformer.
    if (running.sub(1) === 1) outcomes.close();
  }
  return done;
});

/**
 * Line `id` of the input: `id,seed,samples`, as if read from a file. The seed
 * and the sample count (20k to 100k, so jobs are uneven) derive from `seed`.
 */
export function inputLine(id, seed) {
  const jobSeed = mix(seed ^ Math.imul(id + 1, 0x9e3779b9));
  const samples = 20_000 + (mix(jobSeed) % 80_001);
  return `${id},${jobSeed},${samples}`;
}

/** Parse a line of the input; throws on a malformed line. */
export function parseLine(line) {
  const fields = line.split(',');
  const [id, seed, samples] = fields.map(Number);
  if (fields.length !== 3 || !Number.isInteger(id) || !Number.isInteger(seed) || !Number.isInteger(samples) || samples <= 0) {
    throw new SyntaxError(`not a job line: ${JSON.stringify(line)}`);
  }
  return { id, seed, samples };
}

/**
 * The work: estimate pi by Monte Carlo, throwing `samples` points into the
 * unit square with the job's own seeded generator and counting those inside
 * the quarter circle. Deterministic, so any thread gets the same count.
 */
export function runJob(job) {
  let state = job.seed >>> 0;
  let inside = 0;
  for (let i = 0; i < job.samples; i++) {
    // xorshift32: two draws per point.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const x = (state >>> 0) / 4_294_967_296;
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const y = (state >>> 0) / 4_294_967_296;
    if (x * x + y * y < 1) inside++;
  }
  return { id: job.id, samples: job.samples, inside };
}

/** A 32-bit integer hash (never 0, so it can seed xorshift). */
function mix(value) {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return h === 0 ? 1 : h;
}
