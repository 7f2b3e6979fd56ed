// Timing helpers: warm up, repeat, keep the median.

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

/**
 * Time `a` and `b` alternately, `rounds` times (after one warm-up each), so
 * both see the same machine conditions; returns their median times and the
 * median of the per-round ratios `b / a` (how many times faster `a` is).
 */
export async function paired(a, b, { rounds = 9 } = {}) {
  await a();
  await b();
  const ta = [];
  const tb = [];
  const ratios = [];
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    await a();
    const ma = performance.now() - t;
    t = performance.now();
    await b();
    const mb = performance.now() - t;
    ta.push(ma);
    tb.push(mb);
    ratios.push(mb / ma);
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return { a: median(ta), b: median(tb), ratio: median(ratios) };
}
