// parallelStream against a sequential `for await` loop over the same async generator, in alternating rounds,
// and the resident memory of an endless stream of 1 kB items under a high-water mark.
import { parallelStream } from 'weftjs';
import { check, paired } from './harness.mjs';
import { calibrate, kernel } from './workloads.mjs';

/** `count` seeds, one at a time, as a database cursor or a file's lines would give them. */
async function* seeds(count) {
  for (let i = 0; i < count; i++) yield i;
}

/** Endless 1 kB strings, each a new one. */
async function* kilobyteItems() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz012345';
  for (let i = 0; ; i++) yield alphabet.slice(i % 32) + alphabet.repeat(31) + alphabet.slice(0, i % 32);
}

/** The stream workloads; `record` as in run.mjs. */
export async function streamSuite({ quick, record }) {
  {
    const count = quick ? 40_000 : 200_000;
    const name = `${count.toLocaleString('en')} items x ~50 µs from an async generator`;
    const ctx = { iterations: calibrate(50) };
    let sequential = 0;
    let parallel = 0;
    const r = await paired(
      async () => {
        parallel = 0;
        // kernel captures nothing: it ships to the workers as source, with its iterations in the context.
        for await (const x of parallelStream(seeds(count), kernel, { context: ctx })) parallel = (parallel + x) | 0;
      },
      async () => {
        sequential = 0;
        let i = 0;
        for await (const seed of seeds(count)) sequential = (sequential + kernel(seed, i++, ctx)) | 0;
      },
      { rounds: quick ? 1 : 3 },
    );
    check('parallelStream', [parallel], [sequential]);
    record(name, 'sequential for await', r.b, 'ms', '', { baseline: true });
    record(name, 'weft parallelStream', r.a, 'ms', `${r.ratio.toFixed(2)}x vs the sequential loop, median of alternating rounds (target >= 1.7x)`, {
      paired: [{ speedup: r.ratio }],
      targets: [{ speedup: 1.7 }],
    });
  }
  {
    const count = quick ? 500_000 : 5_000_000;
    const name = `${count.toLocaleString('en')} items of 1 kB, endless generator, highWaterMark 256`;
    const stream = parallelStream(kilobyteItems(), (s) => s.length, { highWaterMark: 256 });
    let seen = 0;
    let bytes = 0;
    let startRss = 0;
    let peakRss = 0;
    const t0 = performance.now();
    for await (const length of stream) {
      bytes += length;
      seen++;
      // From the first 100,000 on (pools started, code compiled), sampled every 50,000.
      if (seen % 50_000 === 0) {
        const rss = process.memoryUsage().rss;
        if (seen === 100_000) startRss = rss;
        peakRss = Math.max(peakRss, rss);
      }
      if (seen === count) break; // calls the generator's return()
    }
    const ms = performance.now() - t0;
    check('parallelStream memory', [bytes], [count * 1024]);
    const growthMb = (peakRss - startRss) / 2 ** 20;
    record(name, 'weft RSS growth, 100k to peak', growthMb, 'MB', `target < 100 MB; ${(count / (ms / 1000)).toFixed(0)} items/s`);
  }
}
