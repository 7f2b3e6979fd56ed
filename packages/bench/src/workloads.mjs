// The CPU-bound kernel every contender runs. Weft receives it as an inline
// function (it captures nothing, so it ships as source); the peers load it
// from their worker files, which import this module.

/** `ctx.iterations` rounds of an integer LCG: deterministic, allocation-free CPU work. */
export const kernel = (seed, _index, ctx) => {
  let x = seed | 0;
  for (let i = 0; i < ctx.iterations; i++) x = (Math.imul(x, 1103515245) + 12345 + i) | 0;
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
