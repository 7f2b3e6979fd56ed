// The CPU-bound kernel every contender runs. Weft receives it as an inline
// function (it captures nothing, so it ships as source); the peers load it
// from their worker files, which import this module.

/**
 * `ctx.iterations` rounds of an integer hash: deterministic, allocation-free
 * CPU work. Only int32 operations (imul, xor, shift), so every JIT tier
 * compiles it the same way. The LCG used before (`(Math.imul(x, a) + c + i) | 0`)
 * overflows int32 in its additions, and on Node 24 (V8 13.6, Maglev) its
 * speed varied 4x with the type feedback a copy happened to collect: the
 * same source ran 4x slower in one isolate than in another, so the map
 * benchmarks measured the JIT's luck rather than the scheduler
 * (docs/benchmarks-node24.md).
 */
export const kernel = (seed, _index, ctx) => {
  let x = seed | 0;
  for (let i = 0; i < ctx.iterations; i++) x = Math.imul(x ^ i, 0x9e3779b1) ^ (x >>> 15);
  return x;
};

/** Iterations of `kernel` that take about `micros` microseconds here, measured once the kernel is optimized. */
export function calibrate(micros) {
  const ctx = { iterations: 2_000_000 };
  for (let r = 0; r < 5; r++) kernel(r, 0, ctx); // let the JIT optimize it first
  const t0 = performance.now();
  for (let r = 0; r < 10; r++) kernel(r, 0, ctx);
  const usPerIteration = ((performance.now() - t0) * 1000) / (10 * ctx.iterations);
  return Math.max(1, Math.round(micros / usPerIteration));
}
