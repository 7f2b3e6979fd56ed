// The main job: a real CPU-bound workload (counting primes in 64 blocks of
// numbers) run sequentially and through parallelMap, with the speedup.
//   npm run demo            the full run
//   npm run demo -- --small a quick run (used by the smoke test)
import { availableParallelism } from 'node:os';
import { parallelMap } from 'weftjs';

const small = process.argv.includes('--small');
const blocks = small ? 16 : 64;
const blockSize = small ? 20_000 : 150_000;

/** Count the primes in [start, start + size): trial division, deliberately CPU-bound. It captures nothing. */
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

const starts = Array.from({ length: blocks }, (_, i) => i * blockSize);
const context = { size: blockSize };
const progress = (label: string) => (done: number, total: number) => {
  process.stdout.write(`\r  ${label}: ${done}/${total} blocks`);
};

console.log(`Counting primes below ${(blocks * blockSize).toLocaleString('en')} in ${blocks} blocks on ${availableParallelism()} cores\n`);

const report = progress('sequential');
let t0 = performance.now();
const sequential = starts.map((start, i) => {
  const n = countPrimes(start, i, context);
  if (i % 4 === 3) report(i + 1, blocks);
  return n;
});
const sequentialMs = performance.now() - t0;
console.log(`\r  sequential:   ${sequentialMs.toFixed(0).padStart(6)} ms`);

t0 = performance.now();
const parallel = await parallelMap(starts, countPrimes, { context, onProgress: progress('parallelMap') });
const parallelMs = performance.now() - t0;
console.log(`\r  parallelMap:  ${parallelMs.toFixed(0).padStart(6)} ms (includes starting the workers)`);

const total = parallel.reduce((a, b) => a + b, 0);
if (total !== sequential.reduce((a, b) => a + b, 0)) throw new Error('parallelMap disagrees with the sequential result');
console.log(`\n  ${total.toLocaleString('en')} primes; speedup ${(sequentialMs / parallelMs).toFixed(2)}x`);
