// Two builds of weft, alternating round by round in one process, so both see the same machine
// (on a noisy VM, timings of separate runs differ by more than most changes do).
//   node packages/bench/src/compare-builds.mjs BASE_DIST CANDIDATE_DIST [--workload trivial|fork|map|objects] [--rounds N] [--size N]
// A build is a copy of packages/weft/dist, e.g. for the committed code before your change:
//   git stash && (cd packages/weft && npx rollup -c) && cp -r packages/weft/dist /tmp/base && git stash pop && (cd packages/weft && npx rollup -c)
//   node packages/bench/src/compare-builds.mjs /tmp/base packages/weft/dist --workload trivial
// Prints each build's median and the median of the per-round ratios (candidate over base; above 1 is faster).
// Run it twice: a ratio that moves by more than the change you measure is noise. Channels cannot be
// compared this way (two copies of weft in one process share the registry of shared types).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median, optionValue, positiveIntegerOption } from './harness.mjs';
import { kernel } from './workloads.mjs';

const args = process.argv.slice(2);
const builds = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')));
if (builds.length !== 2) throw new TypeError(`expected two build folders (copies of packages/weft/dist), received ${JSON.stringify(builds)}`);
const workload = optionValue(args, '--workload', 'trivial');
const rounds = positiveIntegerOption(args, '--rounds', 21);
const size = positiveIntegerOption(args, '--size', 2);
if (!['trivial', 'fork', 'map', 'objects'].includes(workload)) throw new RangeError(`--workload: expected trivial, fork, map or objects, received ${JSON.stringify(workload)}`);

// The fork kernels import weft: one copy of them per build, importing that build.
const kernelsSource = readFileSync(new URL('./fork-kernels.mjs', import.meta.url), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'weft-compare-'));
const contenders = [];
for (const [i, dir] of builds.entries()) {
  const entry = pathToFileURL(join(resolve(dir), 'index.js')).href;
  const kernelsFile = join(scratch, `kernels-${i}.mjs`);
  writeFileSync(kernelsFile, kernelsSource.replace("from 'weftjs'", `from ${JSON.stringify(entry)}`));
  const weft = await import(entry);
  contenders.push({ dir, pool: new weft.Pool({ size }), kernels: await import(pathToFileURL(kernelsFile).href) });
}

const inc = (x) => x + 1;
const trivialItems = Array.from({ length: 20_000 }, (_, i) => i);
const mapItems = Array.from({ length: 20_000 }, (_, i) => i);
const records = Array.from({ length: 100_000 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ['a', 'b'], when: new Date(i) }));
const recordDigest = (o) => o.id + o.tags.length + o.when.getTime();
/** One round of the workload on a contender; returns its figure (higher is better). */
const once = {
  async trivial({ pool }) {
    const t = performance.now();
    const out = await Promise.all(trivialItems.map((x) => pool.run(inc, x)));
    if (out.at(-1) !== trivialItems.length) throw new Error('wrong result');
    return trivialItems.length / ((performance.now() - t) / 1000);
  },
  async fork({ pool, kernels }) {
    const t = performance.now();
    const [fib, queens] = await Promise.all([pool.run(kernels.fibPar, 30, 20), pool.run(kernels.queensPar, 10, 1)]);
    if (fib !== 832040 || queens !== 724) throw new Error('wrong result');
    return 1000 / (performance.now() - t);
  },
  // 100,000 small records through pool.map with a trivial function: the cost of getting items to workers.
  async objects({ pool }) {
    const t = performance.now();
    const out = await pool.map(records, recordDigest, { inline: 'never' });
    if (out.length !== records.length || out.at(-1) !== recordDigest(records.at(-1))) throw new Error('wrong result');
    return 1000 / (performance.now() - t);
  },
  async map({ pool }) {
    const t = performance.now();
    await pool.map(mapItems, kernel, { context: { iterations: 2_000 } });
    return 1000 / (performance.now() - t);
  },
}[workload];
const unit = workload === 'trivial' ? 'tasks/s' : 'jobs/s';

for (const c of contenders) for (let w = 0; w < 3; w++) await once(c);
const figures = contenders.map(() => []);
for (let r = 0; r < rounds; r++) {
  // Alternate which goes first, so neither always runs on the machine the other just warmed.
  for (let k = 0; k < 2; k++) {
    const i = (r + k) % 2;
    figures[i].push(await once(contenders[i]));
  }
}
const ratio = median(figures[1].map((b, r) => b / figures[0][r]));
for (const [i, c] of contenders.entries()) console.log(`${i === 0 ? 'base     ' : 'candidate'} ${c.dir}: ${median(figures[i]).toFixed(workload === 'trivial' ? 0 : 2)} ${unit} (median of ${rounds})`);
console.log(`candidate / base: ${ratio.toFixed(3)} (median of per-round ratios; workload ${workload}, pool size ${size})`);
for (const c of contenders) await c.pool.close();
