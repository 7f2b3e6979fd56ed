// Timing helpers: warm up, repeat, keep the median.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Run a measurement script of this folder (`memory-child.mjs`, ...) in a process of its own, on the
 * runtime running the bench, and return the JSON object it printed last. Peaks measured this way are
 * the script's own, not those of whatever earlier suites left in this process's heap.
 */
export function runChild(script, args) {
  const run = spawnSync(process.execPath, [fileURLToPath(new URL(`./${script}`, import.meta.url)), ...args], { encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) throw new Error(`${script} ${args.join(' ')}: status ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1));
}

/** Median of `runs` timings (ms) of `fn`, after `warmup` untimed runs. */
export async function measure(fn, { runs = 5, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Fail loudly if a contender computed something else. */
export function check(name, actual, expected) {
  if (actual.length !== expected.length || actual.some((v, i) => v !== expected[i])) {
    throw new Error(`${name} computed a different result`);
  }
}

export function formatMs(ms) {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

/** The runtime running the benchmarks: 'Node v20.x', 'Bun 1.x' or 'Deno 2.x'. */
export const runtimeName = globalThis.Deno
  ? `Deno ${globalThis.Deno.version.deno}`
  : globalThis.Bun
    ? `Bun ${globalThis.Bun.version}`
    : `Node ${process.version}`;

/**
 * Run a peer's measurement with a time limit. On Bun and Deno a peer pool may
 * fail or hang (it was written for Node): then the figure is skipped, saying
 * why, instead of failing the whole run. Resolves to `{ value }` or `{ skipped }`.
 */
export async function tryPeer(fn, { timeoutMs = 60_000 } = {}) {
  let timer;
  try {
    const limit = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no result within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    return { value: await Promise.race([fn(), limit]) };
  } catch (err) {
    return { skipped: `skipped on ${runtimeName}: ${err?.message ?? err}` };
  } finally {
    clearTimeout(timer);
  }
}

/** The median of `xs` (the upper one of an even count). */
export function median(xs) {
  return [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
}

/**
 * Run `a` and `b` alternately, `rounds` times (after one untimed warm-up
 * each), so both see the same machine conditions. Each returns a figure of
 * its own (a time, a rate); returns their medians and the median of the
 * per-round `ratio(figureOfA, figureOfB)`.
 */
export async function alternate(a, b, { rounds = 9, ratio }) {
  await a();
  await b();
  const fa = [];
  const fb = [];
  const ratios = [];
  for (let i = 0; i < rounds; i++) {
    const x = await a();
    const y = await b();
    fa.push(x);
    fb.push(y);
    ratios.push(ratio(x, y));
  }
  return { a: median(fa), b: median(fb), ratio: median(ratios) };
}

/**
 * Time `a` and `b` alternately, `rounds` times (after one warm-up each), so
 * both see the same machine conditions; returns their median times and the
 * median of the per-round ratios `b / a` (how many times faster `a` is).
 */
export function paired(a, b, { rounds = 9 } = {}) {
  const timed = (fn) => async () => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  return alternate(timed(a), timed(b), { rounds, ratio: (ta, tb) => tb / ta });
}

/** The value after `name` in `args` (`--runs 5` gives '5'), or `fallback` when the option is absent. */
export function optionValue(args, name, fallback = undefined) {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
}

/** Option `name` as a positive integer (`fallback` when absent); a RangeError naming it and what was received otherwise. */
export function positiveIntegerOption(args, name, fallback) {
  const raw = optionValue(args, name);
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name}: expected a positive integer, received ${JSON.stringify(raw)}`);
  return value;
}
