// parallelStream against a sequential `for await` loop over the same async generator, in alternating rounds,
// and the resident memory of an endless stream of 1 kB items under a high-water mark.
import { parallelStream } from 'weftjs';
import { check, paired, runChild } from './harness.mjs';
import { calibrate, kernel } from './workloads.mjs';

/** `count` seeds, one at a time, as a database cursor or a file's lines would give them. */
async function* seeds(count) {
  for (let i = 0; i < count; i++) yield i;
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
    // In a process of its own: the heap earlier suites grew would otherwise count (one full run: 155 MB, alone: 5-70 MB).
    const count = quick ? 500_000 : 5_000_000;
    const name = `${count.toLocaleString('en')} items of 1 kB, endless generator, highWaterMark 256`;
    const { growthMb, itemsPerSecond } = runChild('stream-memory-child.mjs', [String(count)]);
    record(name, 'weft RSS growth, 100k to peak', growthMb, 'MB', `target < 100 MB; ${itemsPerSecond.toFixed(0)} items/s; in a process of its own`);
  }
}
