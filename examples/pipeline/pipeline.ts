// A three-stage pipeline connected by channels:
//
//   stage 1, one worker:       read and parse lines into jobs    --jobs-->
//   stage 2, several workers:  run each job (CPU-heavy)          --outcomes-->
//   stage 3, the main thread:  aggregate, with `for await`
//
// End of stream travels by `close`: stage 1 closes `jobs` after the last line;
// each transformer's loop ends once `jobs` is drained, and the last one to
// finish closes `outcomes`; stage 3's loop then ends. The bounded channels
// keep a fast stage from running far ahead of a slow one.
//   npm start              the full run
//   npm test               a quick run (used by the smoke test)
import { availableParallelism } from 'node:os';
import { AtomicInt32, Channel, Pool } from 'weftjs';
import { inputLine, parseLine, readJobs, runJob, runJobs, type Job, type Outcome } from './stages.mjs';

const small = process.argv.includes('--small');
const jobCount = small ? 400 : 8_000;
const seed = 0x5eed;
const transformers = Math.max(2, availableParallelism());
const onTerminal = process.stdout.isTTY === true;

interface Totals {
  jobs: number;
  samples: number;
  inside: number;
}

function add(totals: Totals, outcome: Outcome): void {
  totals.jobs++;
  totals.samples += outcome.samples;
  totals.inside += outcome.inside;
}

/** On a terminal, overwrite the current line with how far `label` got. */
function progress(label: string, done: number): void {
  if (onTerminal && done % 100 === 0) process.stdout.write(`\r  ${label}: ${done.toLocaleString('en')}/${jobCount.toLocaleString('en')} jobs`);
}

function report(label: string, ms: number, note = ''): void {
  const line = `  ${label} ${ms.toFixed(0).padStart(6)} ms${note}`;
  console.log(onTerminal ? `\r${line.padEnd(50)}` : line);
}

console.log(`Estimating pi with ${jobCount.toLocaleString('en')} Monte Carlo jobs: 1 reader, ${transformers} transformers, the main thread aggregating\n`);

// The same functions, one after another on this thread: what the pipeline must reproduce.
let t0 = performance.now();
const expected: Totals = { jobs: 0, samples: 0, inside: 0 };
for (let id = 0; id < jobCount; id++) {
  add(expected, runJob(parseLine(inputLine(id, seed))));
  progress('sequential', id + 1);
}
const sequentialMs = performance.now() - t0;
report('sequential:', sequentialMs);

const pool = new Pool({ size: 1 + transformers });
const jobs = new Channel<Job>(64);
const outcomes = new Channel<Outcome>(64);
const running = new AtomicInt32(transformers);
try {
  t0 = performance.now();
  // Channels are arguments like any other: each task gets the same channel, over the same shared memory.
  const reader = pool.run(readJobs, jobCount, seed, jobs);
  const runners = Array.from({ length: transformers }, () => pool.run(runJobs, jobs, outcomes, running));
  const stages = Promise.all([reader, ...runners]);
  // If a stage fails (or its worker dies), close both channels: every stage then stops,
  // the loop below ends, and `await stages` reports the failure.
  stages.catch(() => {
    jobs.close();
    outcomes.close();
  });

  // Stage 3: receives without blocking this thread; ends when `outcomes` is closed and drained.
  const totals: Totals = { jobs: 0, samples: 0, inside: 0 };
  const seen = new Uint8Array(jobCount);
  for await (const outcome of outcomes) {
    if (seen[outcome.id] !== 0) throw new Error(`job ${outcome.id} arrived twice`);
    seen[outcome.id] = 1;
    add(totals, outcome);
    progress('pipeline', totals.jobs);
  }
  const [read, ...ran] = await stages;
  const pipelineMs = performance.now() - t0;
  report('pipeline:  ', pipelineMs, ' (includes starting the workers)');
  console.log(`  stage 1 read ${read} lines; the transformers ran ${ran.join(' + ')} jobs`);

  if (totals.jobs !== jobCount || seen.includes(0)) throw new Error(`the pipeline delivered ${totals.jobs} of ${jobCount} jobs`);
  if (totals.samples !== expected.samples || totals.inside !== expected.inside) {
    throw new Error(`the pipeline disagrees with the sequential run: ${JSON.stringify(totals)} vs ${JSON.stringify(expected)}`);
  }
  const pi = (4 * totals.inside) / totals.samples;
  console.log(
    `\n  pi ~ ${pi.toFixed(6)} from ${totals.samples.toLocaleString('en')} points, equal to the sequential run; ` +
      `speedup ${(sequentialMs / pipelineMs).toFixed(2)}x`,
  );
} finally {
  // Already closed after a full run; after a failure here, this stops the stages, so close() can finish.
  jobs.close();
  outcomes.close();
  await pool.close();
}
