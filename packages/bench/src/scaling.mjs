// How Weft scales with the pool size: each workload's speed over sequential
// code at every size asked for, with the parallel efficiency (speedup / size),
// and trivial-task throughput against piscina at the same size.
//   npm run scaling -w @weft/bench                        sizes 1, 2, 4, ... up to the available threads
//   npm run scaling -w @weft/bench -- --sizes 1,2,4,8,16  these sizes
//   npm run scaling -w @weft/bench -- --out FILE.md       also write the table as markdown
// A size above the available threads is measured too, and flagged: it shows oversubscription, not scaling.
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { Piscina } from 'piscina';
import { Pool } from 'weftjs';
import { fibPar, fibSeq, fibTask, queensPar, queensSeq } from './fork-kernels.mjs';
import { measure, optionValue, paired, positiveIntegerOption, runtimeName } from './harness.mjs';
import { calibrate, kernel } from './workloads.mjs';

const args = process.argv.slice(2);
const option = (name) => optionValue(args, name);
const threads = availableParallelism();
const defaultSizes = [];
for (let s = 1; s <= threads; s *= 2) defaultSizes.push(s);
if (defaultSizes.at(-1) !== threads) defaultSizes.push(threads);
const sizesOption = option('--sizes');
const sizes = sizesOption === undefined ? defaultSizes : sizesOption.split(',').map(Number);
for (const s of sizes) {
  if (!Number.isInteger(s) || s < 1) throw new RangeError(`--sizes: expected positive integers separated by commas, received ${JSON.stringify(sizesOption)}`);
}
const runs = positiveIntegerOption(args, '--runs', 3);

const machine = `${threads} threads, ${cpus()[0]?.model.trim() || 'unknown CPU'}, ${runtimeName}`;
console.log(`Weft scaling: ${machine}; pool sizes ${sizes.join(', ')}; median of ${runs} runs or more`);

/** One workload: a sequential baseline and a parallel version run on a given pool. */
function workload(name, sequential, parallel, same = (a, b) => a === b) {
  return { name, sequential, parallel, same };
}

const mapIterations = calibrate(2_000);
const fineIterations = calibrate(50);
const coarse = Array.from({ length: 512 }, (_, i) => i);
const fine = Array.from({ length: 20_000 }, (_, i) => i);
const sameArray = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
const workloads = [
  // What the machine allows: `size` independent copies of the sequential kernel at once (speedup = size x sequential / their time).
  { ...workload('ceiling: one fib(32) per worker at once', () => fibSeq(32), (pool, size) => Promise.all(Array.from({ length: size }, () => pool.run(fibTask, 32)))), copies: true },
  workload('parallelMap 512 items x ~2 ms', () => coarse.map((s, i) => kernel(s, i, { iterations: mapIterations })), (pool) =>
    pool.map(coarse, kernel, { context: { iterations: mapIterations } }), sameArray),
  workload('parallelMap 20,000 items x ~50 µs', () => fine.map((s, i) => kernel(s, i, { iterations: fineIterations })), (pool) =>
    pool.map(fine, kernel, { context: { iterations: fineIterations } }), sameArray),
  workload('fork-join fib(36), cutoff 22', () => fibSeq(36), (pool) => pool.run(fibPar, 36, 22)),
  workload('fork-join nqueens(13), forks in 2 rows', () => queensSeq(13), (pool) => pool.run(queensPar, 13, 2)),
  workload('fork-join fib(32), cutoff 22 (issue #3)', () => fibSeq(32), (pool) => pool.run(fibPar, 32, 22)),
  workload('fork-join nqueens(11), forks in 1 row (issue #3)', () => queensSeq(11), (pool) => pool.run(queensPar, 11, 1)),
];

const rows = [];
const show = (cells) => console.log(cells.map((c, i) => (i === 0 ? String(c).padEnd(48) : String(c).padStart(12))).join(''));
show(['workload', 'sequential', ...sizes.map((s) => `size ${s}${s > threads ? '*' : ''}`)]);
for (const w of workloads) {
  const expected = w.sequential();
  // Short workloads get more runs (up to ~300 ms of sequential time per contender), so one slow run does not decide.
  const first = performance.now();
  w.sequential();
  const reps = Math.max(runs, Math.min(25, Math.ceil(300 / (performance.now() - first))));
  const seqMs = await measure(() => w.sequential(), { runs: reps, warmup: 1 });
  const cells = [];
  for (const size of sizes) {
    const pool = new Pool({ size });
    let out;
    const ms = await measure(async () => (out = await w.parallel(pool, size)), { runs: reps, warmup: 2 });
    await pool.close();
    if (!(w.copies ? out.every((v) => v === expected) : w.same(out, expected))) throw new Error(`${w.name}: size ${size} computed a different result`);
    const speedup = ((w.copies ? size : 1) * seqMs) / ms;
    rows.push({ workload: w.name, size, seqMs, ms, speedup });
    cells.push(`${speedup.toFixed(2)}x ${Math.round((speedup / size) * 100)}%`);
  }
  show([w.name, `${seqMs.toFixed(1)} ms`, ...cells]);
}

// Throughput of 20,000 trivial tasks at once, weft and piscina with the same size, alternating rounds.
const incWorker = new URL('./peers/inc-worker.mjs', import.meta.url).href;
const n = 20_000;
const items = Array.from({ length: n }, (_, i) => i);
const inc = (x) => x + 1;
const cells = [];
for (const size of sizes) {
  const pool = new Pool({ size });
  const piscina = new Piscina({ filename: incWorker, minThreads: size, maxThreads: size, idleTimeout: 60_000 });
  const batch = (submit) => async () => {
    const out = await Promise.all(items.map(submit));
    if (out[n - 1] !== n) throw new Error('a trivial task computed a different result');
  };
  const result = await paired(batch((x) => pool.run(inc, x)), batch((x) => piscina.run(x)), { rounds: runs });
  await pool.close();
  await piscina.destroy();
  const rate = (n / result.a) * 1000;
  rows.push({ workload: '20,000 trivial tasks at once', size, tasksPerSecond: rate, vsPiscina: result.ratio });
  cells.push(`${Math.round(rate / 1000)}k ${result.ratio.toFixed(1)}x`);
}
show(['20,000 trivial tasks: tasks/s, x piscina', '', ...cells]);
console.log('Cells: speedup over sequential and parallel efficiency (speedup / size); for trivial tasks, weft tasks/s and its ratio to piscina of the same size.');
if (sizes.some((s) => s > threads)) console.log(`* more workers than the ${threads} available threads`);

const out = option('--out');
if (out !== undefined) {
  const lines = [
    '# Scaling',
    '',
    `Generated by \`node packages/bench/src/scaling.mjs ${args.join(' ')}\` on ${new Date().toISOString().slice(0, 10)}: ${machine}.`,
    `Median of ${runs} runs (up to 25 for short workloads); cells are the speedup over sequential code and the parallel efficiency (speedup / pool size).`,
    '',
    `| workload | sequential | ${sizes.map((s) => `size ${s}`).join(' | ')} |`,
    `| --- | ---: | ${sizes.map(() => '---:').join(' | ')} |`,
  ];
  for (const w of workloads) {
    const mine = rows.filter((r) => r.workload === w.name);
    lines.push(`| ${w.name} | ${mine[0].seqMs.toFixed(1)} ms | ${mine.map((r) => `${r.speedup.toFixed(2)}x (${Math.round((r.speedup / r.size) * 100)}%)`).join(' | ')} |`);
  }
  const trivial = rows.filter((r) => r.tasksPerSecond !== undefined);
  lines.push(`| 20,000 trivial tasks: tasks/s (x piscina, same size) | | ${trivial.map((r) => `${Math.round(r.tasksPerSecond / 1000)}k (${r.vsPiscina.toFixed(1)}x)`).join(' | ')} |`, '');
  writeFileSync(out, lines.join('\n'));
  console.log(`Wrote ${out}`);
}
