// Weft against sequential code and the peers, in one run, printed as ratios
// and written as a markdown report with an SVG chart beside it.
//   npm run bench                    every suite
//   npm run bench -- --quick         fewer repetitions (a smoke run)
//   npm run bench -- --only map,pool suites: map, sweep (item cost x size grid), par, stream, sort, pool, memory, sync, channel, size (weftjs min+gzip in a browser bundle, against its budget),
//                                    browser (cold start in Chromium: import, first call, warm call, bare worker),
//                                    cluster (weftjs-cluster over a local redis-server; skipped without one)
//   npm run bench -- --out FILE.md   the report (default: docs/benchmarks.md, for full runs only: a run with
//                                    --quick, --only or --threads prints its figures and writes no report
//                                    unless given --out); the chart goes to FILE.svg
//   npm run bench -- --threads N     pool size of every contender (default: the available threads)
//   npm run bench -- --runtime bun   on Bun or Deno (default --only map,pool, report docs/benchmarks-bun.md);
//                                    a peer that fails or hangs there is skipped, saying why;
//                                    node22, node24: npm's Node 22/24 (report docs/benchmarks-node24.md)
//   npm run bench -- --node PATH     on that node binary (default --only map,pool, report docs/benchmarks-node<major>.md)
import { writeFileSync } from 'node:fs';
import { arch, availableParallelism, cpus, platform, totalmem } from 'node:os';
import { basename, extname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmarkChart } from './benchmark-chart.mjs';
import { mapSuite } from './map-suite.mjs';
import { poolMemory, poolSuite } from './pool-suite.mjs';
import { syncSuite } from './sync-suite.mjs';
import { optionValue, positiveIntegerOption, runtimeName } from './harness.mjs';
import { relaunchOnRuntime } from './runtime-option.mjs';
import { channelSuite } from './channel-suite.mjs';
import { sizeSuite } from './size-suite.mjs';
import { parSuite } from './par-suite.mjs';
import { streamSuite } from './stream-suite.mjs';
import { sortSuite } from './sort-suite.mjs';
import { sweepSuite } from './sweep-suite.mjs';
import { clusterSuite } from './cluster-suite.mjs';
import { browserSuite } from './browser-suite.mjs';

const args = process.argv.slice(2);
const option = (name) => optionValue(args, name);
relaunchOnRuntime(import.meta.url, args, option('--runtime'));
const quick = args.includes('--quick');
// A partial run must not replace the committed report of a full one.
const partial = quick || args.includes('--only') || args.includes('--threads');
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const outFile = option('--out') ?? (partial ? undefined : join(repoRoot, 'docs', 'benchmarks.md'));
/** The command line as the report shows it: a report path inside the repository, relative to its root. */
const shownArgs = args.map((a, i) => {
  if (i === 0 || args[i - 1] !== '--out') return a;
  const rel = relative(repoRoot, a);
  return rel.startsWith('..') || isAbsolute(rel) ? a : rel;
});
const chartFile = outFile === undefined ? undefined : `${outFile.slice(0, outFile.length - extname(outFile).length)}.svg`;
if (outFile !== undefined && chartFile === outFile) throw new RangeError(`--out: the report is markdown (the chart goes beside it as .svg), received ${JSON.stringify(outFile)}`);
const suites = { map: mapSuite, sweep: sweepSuite, par: parSuite, stream: streamSuite, sort: sortSuite, pool: poolSuite, memory: poolMemory, sync: syncSuite, channel: channelSuite, size: sizeSuite, browser: browserSuite, cluster: clusterSuite };
const only = (option('--only') ?? Object.keys(suites).join(',')).split(',');
for (const name of only) if (!(name in suites)) throw new RangeError(`--only: unknown suite ${JSON.stringify(name)}; expected ${Object.keys(suites).join(', ')}`);
const threads = positiveIntegerOption(args, '--threads', availableParallelism());
const cpuModel = cpus()[0]?.model.trim() || 'unknown CPU';
const logicalCpus = cpus().length;
const date = new Date().toISOString().slice(0, 10);
const available = availableParallelism();
const machine = `${threads} threads${threads !== available ? ` (pool size; ${available} available)` : ''}, ${cpuModel}, ${runtimeName}`;

/** Every figure, as data: `{ suite, workload, contender, value, unit, note, ...facts }` (see benchmark-chart.mjs). */
const rows = [];
const format = (value, unit) => (Number.isNaN(value) ? 'skipped' : `${value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2)} ${unit}`);
console.log(`Weft benchmarks: ${machine}${quick ? ' (quick)' : ''}`);
/** What a suite returned beside its rows: `{ markdown: string[], svg?: string }`, by suite name. */
const extras = new Map();
for (const name of only) {
  console.log(`\n## ${name}`);
  const extra = await suites[name]({
    threads,
    quick,
    record(workload, contender, value, unit, note = '', facts = {}) {
      rows.push({ suite: name, workload, contender, value, unit, note, ...facts });
      console.log(`${workload.padEnd(40)} ${contender.padEnd(36)} ${format(value, unit).padStart(16)}  ${note}`);
    },
  });
  if (extra) extras.set(name, extra);
}

if (outFile === undefined) {
  console.log('\nNo report written: a --quick, --only or --threads run leaves docs/benchmarks.md alone; add --out FILE.md to keep one.');
} else {
  // Only workloads with a baseline are charted (memory and a few channel figures have none).
  const chartCaption = `${cpuModel} · ${threads} threads · ${runtimeName} · ${date}${quick ? ' · quick run' : ''}`;
  const chart = rows.some((r) => r.baseline) ? benchmarkChart(rows, { machine: chartCaption }) : undefined;
  const lines = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench${args.length ? ` -- ${shownArgs.join(' ')}` : ''}\` on ${date}${quick ? ' (a quick run: fewer repetitions)' : ''}, on:`,
    '',
    `- CPU: ${cpuModel}, ${available} threads available${logicalCpus !== available ? ` (of ${logicalCpus} logical CPUs)` : ''}${threads !== available ? `; pools of ${threads} workers` : ''}`,
    `- runtime: ${runtimeName} on ${platform()} ${arch()}, ${Math.round(totalmem() / 2 ** 30)} GiB memory`,
    '',
    ...(chart === undefined
      ? []
      : [
          `![benchmark chart](${basename(chartFile)})`,
          '',
          'The chart shows each workload that has a baseline (sequential code where there is one, else piscina, the bare',
          'primitive or MessagePort) as speeds relative to that baseline, on a log scale: right of 1× is faster. Where Weft',
          'alternated with a contender round by round, its bar uses that paired ratio (the one in the notes). A black mark is',
          'the lowest speed at which Weft meets every target of the workload.',
          '',
        ]),
    'Every contender runs the same kernel in the same run; times are medians (sync figures: best of several rounds).',
    '',
  ];
  const extraSvgs = [];
  for (const name of only) {
    lines.push(`## ${name}`, '');
    const extra = extras.get(name);
    if (extra) {
      // A suite's own table (and picture) stands for its rows.
      if (extra.svg !== undefined) {
        const svgFile = `${chartFile.slice(0, -'.svg'.length)}-${name}.svg`;
        extraSvgs.push([svgFile, extra.svg]);
        lines.push(`![${name}](${basename(svgFile)})`, '');
      }
      lines.push(...extra.markdown, '');
      continue;
    }
    lines.push('| workload | contender | result | note |', '| --- | --- | ---: | --- |');
    for (const r of rows.filter((row) => row.suite === name)) lines.push(`| ${r.workload} | ${r.contender} | ${format(r.value, r.unit)} | ${r.note} |`);
    lines.push('');
  }
  writeFileSync(outFile, lines.join('\n'));
  if (chart !== undefined) writeFileSync(chartFile, chart);
  for (const [file, svg] of extraSvgs) writeFileSync(file, svg);
  console.log(`\nWrote ${outFile}${chart === undefined ? '' : ` and ${chartFile}`}`);
}
// On Bun or Deno, a skipped peer may have left workers behind that keep the process alive.
if (!runtimeName.startsWith('Node')) process.exit(0);
