// Counts primes in blocks on every core with parallelMap, checks the answer
// against a sequential count, and shows both timings. There is no worker
// file: Weft starts its workers from the runtime built into the package.
// The page must be cross-origin isolated (see vite.config.ts) so that
// SharedArrayBuffer exists.
import { parallelMap } from 'weftjs';

/** Count the primes in [start, start + size): trial division, CPU-bound. It captures nothing. */
const countPrimes = (start: number, _index: number, ctx: { size: number }): number => {
  let count = 0;
  for (let n = Math.max(2, start); n < start + ctx.size; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
};

const params = new URLSearchParams(location.search);
const blocks = Number(params.get('blocks') ?? 32);
const size = Number(params.get('size') ?? 20_000);
const starts = Array.from({ length: blocks }, (_, i) => i * size);

/** What the page reports, also left on `window.__weftExample` for tests. */
interface ExampleResult {
  readonly parallel: number;
  readonly sequential: number;
  readonly parallelMs: number;
  readonly sequentialMs: number;
  readonly workers: number;
}

async function main(): Promise<ExampleResult> {
  let t0 = performance.now();
  const counts = await parallelMap(starts, countPrimes, { context: { size }, inline: 'never' });
  const parallelMs = performance.now() - t0;
  t0 = performance.now();
  const sequential = starts.reduce((total, start, i) => total + countPrimes(start, i, { size }), 0);
  const sequentialMs = performance.now() - t0;
  return { parallel: counts.reduce((a, b) => a + b, 0), sequential, parallelMs, sequentialMs, workers: navigator.hardwareConcurrency };
}

const out = document.getElementById('result')!;
main().then(
  (result) => {
    (window as unknown as { __weftExample: ExampleResult }).__weftExample = result;
    out.textContent =
      `${result.parallel} primes below ${(blocks * size).toLocaleString('en')}: ` +
      `${result.parallelMs.toFixed(0)} ms with parallelMap, ${result.sequentialMs.toFixed(0)} ms sequentially ` +
      `(${result.workers} cores)`;
    document.body.dataset.status = result.parallel === result.sequential ? 'done' : 'wrong';
  },
  (err: unknown) => {
    out.textContent = `Failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
    document.body.dataset.status = 'error';
  },
);
