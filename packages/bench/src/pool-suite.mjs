// The Pool against piscina and tinypool, and fork-join against sequential code.
import { Piscina } from 'piscina';
import Tinypool from 'tinypool';
import { Pool, transfer } from 'weftjs';
import { touchBytes } from './buffer-tasks.mjs';
import { fibPar, fibSeq, fibTask, queensPar, queensSeq, queensTask } from './fork-kernels.mjs';
import { measure, paired, runChild, tryPeer } from './harness.mjs';

const incWorker = new URL('./peers/inc-worker.mjs', import.meta.url).href;

/**
 * Runs the Pool workloads; `record(workload, contender, value, unit, note, facts)` receives each
 * figure, `facts` as in benchmark-chart.mjs (baseline, paired speedups, targets).
 */
export async function poolSuite({ threads, quick, record }) {
  const runs = quick ? 3 : 7;
  const weft = new Pool({ size: threads });
  const piscina = new Piscina({ filename: incWorker, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  const tinypool = new Tinypool({ filename: incWorker, minThreads: threads, maxThreads: threads });
  const inc = (x) => x + 1;

  // Throughput: 20,000 trivial tasks submitted at once. Each peer alternates with weft round by
  // round, so both see the same machine; the ratio is the median of the rounds' ratios.
  const n = 20_000;
  const items = Array.from({ length: n }, (_, i) => i);
  const batch = (label, submit) => async () => {
    const out = await Promise.all(items.map(submit));
    if (out[n - 1] !== n) throw new Error(`${label} computed a different result`);
  };
  const weftBatch = batch('weft', (x) => weft.run(inc, x));
  const rate = (ms) => (n / ms) * 1000;
  const name = '20,000 trivial tasks at once';
  const vsPiscina = await tryPeer(() => paired(weftBatch, batch('piscina', (x) => piscina.run(x)), { rounds: runs }));
  const vsTinypool = await tryPeer(() => paired(weftBatch, batch('tinypool', (x) => tinypool.run(x)), { rounds: runs }));
  const weftMs = vsPiscina.value?.a ?? (await measure(weftBatch, { runs, warmup: 2 }));
  const versus = [['piscina', vsPiscina], ['tinypool', vsTinypool]];
  record(name, 'weft Pool.run', rate(weftMs), 'tasks/s', 'target >= 10x piscina and tinypool', {
    paired: versus.filter(([, result]) => result.value).map(([vs, result]) => ({ vs, speedup: result.value.ratio })),
    targets: versus.map(([vs]) => ({ vs, speedup: 10 })),
  });
  for (const [label, result] of versus) {
    const facts = label === 'piscina' ? { baseline: true } : {};
    record(name, label, result.value ? rate(result.value.b) : NaN, 'tasks/s', result.skipped ?? `weft ${result.value.ratio.toFixed(1)}x (median of alternating rounds)`, facts);
  }

  // Fresh closures, the way users write it: a new arrow on every call, against the one reused
  // function above, alternating round by round (issue 15's target: at least 80% of the reused rate).
  const freshBatch = batch('weft', (x) => weft.run((y) => y + 1, x));
  const fresh = await paired(freshBatch, weftBatch, { rounds: runs });
  record('20,000 trivial tasks at once, a fresh arrow each', 'weft Pool.run', rate(fresh.a), 'tasks/s', `${(fresh.ratio * 100).toFixed(0)}% of the reused function's rate (median of alternating rounds; target >= 80%)`);

  // Transfer: a 64 MB buffer into a task and back, moved with transfer() against copied both ways.
  {
    let bytes = new Uint8Array(64 * 2 ** 20);
    const moved = await paired(
      async () => {
        bytes = await weft.run(touchBytes, transfer(bytes), true);
      },
      async () => {
        bytes = await weft.run(touchBytes, bytes, false);
      },
      { rounds: runs },
    );
    if (bytes.length !== 64 * 2 ** 20) throw new Error('transfer: the buffer did not come back whole');
    record('64 MB buffer into a task and back', 'weft Pool.run, copied', moved.b, 'ms', '', { baseline: true });
    record('64 MB buffer into a task and back', 'weft Pool.run with transfer()', moved.a, 'ms', `${moved.ratio.toFixed(1)}x faster than the copy (median of alternating rounds)`, {
      paired: [{ speedup: moved.ratio }],
    });
  }

  // Latency: one trivial task at a time.
  const trips = quick ? 500 : 2_000;
  const latency = async (call) =>
    ((await measure(async () => {
      for (let i = 0; i < trips; i++) await call(i);
    }, { runs: 3, warmup: 1 })) / trips) * 1000;
  const weftUs = await latency((i) => weft.run(inc, i));
  const piscinaUs = await tryPeer(() => latency((i) => piscina.run(i)));
  record('round trip of one trivial task', 'weft Pool.run', weftUs, 'µs', 'target: below piscina', { targets: [{ vs: 'piscina', speedup: 1 }] });
  record('round trip of one trivial task', 'piscina', piscinaUs.value ?? NaN, 'µs', piscinaUs.skipped ?? `weft ${(piscinaUs.value / weftUs).toFixed(2)}x faster`, {
    baseline: true,
  });

  // Fork-join against sequential code, alternating round by round. Beside it, what the machine
  // allows: `threads` independent copies of the sequential kernel at once, one per worker, against
  // one copy on this thread (threads x the sequential time over the copies' time). Fork-join
  // cannot beat that ceiling; where it is well under `threads`, the cores do not scale this kernel.
  // `target`: a speedup over sequential, or { ofCeiling } — a share of what `threads` independent copies reach.
  const forkJoin = async (label, sequential, parallel, expected, copy, target = 1.7) => {
    const ceiling = await paired(
      async () => {
        const out = await Promise.all(Array.from({ length: threads }, copy));
        if (out.some((v) => v !== expected)) throw new Error(`${label}: wrong result from a copy`);
      },
      () => sequential(),
      { rounds: quick ? 3 : 7 },
    );
    const result = await paired(
      async () => {
        if ((await parallel()) !== expected) throw new Error(`${label}: wrong parallel result`);
      },
      () => {
        if (sequential() !== expected) throw new Error(`${label}: wrong sequential result`);
      },
      { rounds: quick ? 5 : 15 },
    );
    record(label, 'sequential', result.b, 'ms', '', { baseline: true });
    const allows = threads * ceiling.ratio;
    const wanted = typeof target === 'number' ? target : target.ofCeiling * allows;
    const goal = typeof target === 'number' ? `target >= ${target}x` : `target >= ${(target.ofCeiling * 100).toFixed(0)}% of the ceiling: ${wanted.toFixed(2)}x; reached ${((result.ratio / allows) * 100).toFixed(0)}%`;
    record(label, 'weft fork-join', result.a, 'ms', `${result.ratio.toFixed(2)}x vs sequential, median of alternating rounds (${goal}); ${threads} independent copies at once: ${allows.toFixed(2)}x`, {
      paired: [{ speedup: result.ratio }],
      targets: [{ speedup: wanted }],
    });
  };
  await forkJoin('fib(32), cutoff 22', () => fibSeq(32), () => weft.run(fibPar, 32, 22), 2178309, () => weft.run(fibTask, 32), { ofCeiling: 0.9 });
  await forkJoin('nqueens(11), one fork per first-row column', () => queensSeq(11), () => weft.run(queensPar, 11, 1), 2680, () => weft.run(queensTask, 11), { ofCeiling: 0.9 });
  await forkJoin('fib(35), cutoff 24', () => fibSeq(35), () => weft.run(fibPar, 35, 24), 9227465, () => weft.run(fibTask, 35));
  await forkJoin('nqueens(13), forks two rows deep', () => queensSeq(13), () => weft.run(queensPar, 13, 2), 73712, () => weft.run(queensTask, 13));

  await weft.close();
  await tryPeer(() => Promise.all([piscina.destroy(), tinypool.destroy()]), { timeoutMs: 10_000 });
}

/** Resident memory over 1,000,000 tasks through one pool: growth between the first and the last 100,000. */
export async function poolMemory({ threads, quick, record }) {
  // Each figure in a process of its own (memory-child.mjs): what earlier suites left in the heap does not count.
  const child = (...args) => runChild('memory-child.mjs', args);
  const total = quick ? 300_000 : 1_000_000;
  const { growthPercent } = child('tasks', String(total), String(threads));
  record(`${total.toLocaleString('en')} tasks through one pool`, 'weft RSS growth, first to last 100k', growthPercent, '%', 'target < 10%; in a process of its own');

  // Items travel by chunk, not whole arrays: peak memory of a map over many strings, and over many
  // numbers, each way in a process of its own (memory-child.mjs), every item on a worker.
  const peak = (...args) => child(...args).growthMb;
  for (const [kind, count, name] of [
    ['strings', quick ? 500_000 : 2_000_000, 'strings of ~110 bytes, mapped to their lengths'],
    ['numbers', quick ? 2_500_000 : 10_000_000, 'doubles, mapped to x + 1'],
  ]) {
    const row = `${count.toLocaleString('en')} ${name}`;
    const sequential = peak('sequential', kind, String(count));
    record(row, 'sequential items.map: peak RSS growth', sequential, 'MB');
    for (const workers of [...new Set([1, threads])]) {
      const weft = peak('weft', kind, String(count), String(workers));
      record(row, `weft parallelMap on ${workers} worker${workers === 1 ? '' : 's'}: peak RSS growth`, weft, 'MB', `${(weft / sequential).toFixed(2)}x the sequential peak (target <= 1.5x)`);
    }
  }
}
