// The Pool against piscina and tinypool, and fork-join against sequential code.
import { Piscina } from 'piscina';
import Tinypool from 'tinypool';
import { Pool } from 'weft';
import { fibPar, fibSeq, queensPar, queensSeq } from './fork-kernels.mjs';
import { measure, tryPeer } from './harness.mjs';

const incWorker = new URL('./peers/inc-worker.mjs', import.meta.url).href;

/** Runs the Pool workloads; `record(workload, contender, value, unit, note)` receives each figure. */
export async function poolSuite({ threads, quick, record }) {
  const runs = quick ? 3 : 7;
  const weft = new Pool({ size: threads });
  const piscina = new Piscina({ filename: incWorker, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  const tinypool = new Tinypool({ filename: incWorker, minThreads: threads, maxThreads: threads });
  const inc = (x) => x + 1;

  // Throughput: 20,000 trivial tasks submitted at once.
  const n = 20_000;
  const items = Array.from({ length: n }, (_, i) => i);
  const throughput = async (label, submit) => {
    let out;
    const ms = await measure(async () => (out = await Promise.all(items.map(submit))), { runs, warmup: 2 });
    if (out[n - 1] !== n) throw new Error(`${label} computed a different result`);
    return (n / ms) * 1000;
  };
  const weftRate = await throughput('weft', (x) => weft.run(inc, x));
  const piscinaRate = await tryPeer(() => throughput('piscina', (x) => piscina.run(x)));
  const tinypoolRate = await tryPeer(() => throughput('tinypool', (x) => tinypool.run(x)));
  const name = '20,000 trivial tasks at once';
  record(name, 'weft Pool.run', weftRate, 'tasks/s', 'target >= 10x piscina and tinypool');
  record(name, 'piscina', piscinaRate.value ?? NaN, 'tasks/s', piscinaRate.skipped ?? `weft ${(weftRate / piscinaRate.value).toFixed(1)}x`);
  record(name, 'tinypool', tinypoolRate.value ?? NaN, 'tasks/s', tinypoolRate.skipped ?? `weft ${(weftRate / tinypoolRate.value).toFixed(1)}x`);

  // Latency: one trivial task at a time.
  const trips = quick ? 500 : 2_000;
  const latency = async (call) =>
    ((await measure(async () => {
      for (let i = 0; i < trips; i++) await call(i);
    }, { runs: 3, warmup: 1 })) / trips) * 1000;
  const weftUs = await latency((i) => weft.run(inc, i));
  const piscinaUs = await tryPeer(() => latency((i) => piscina.run(i)));
  record('round trip of one trivial task', 'weft Pool.run', weftUs, 'µs', 'target: below piscina');
  record('round trip of one trivial task', 'piscina', piscinaUs.value ?? NaN, 'µs', piscinaUs.skipped ?? `weft ${(piscinaUs.value / weftUs).toFixed(2)}x faster`);

  // Fork-join against sequential code.
  const forkJoin = async (label, sequential, parallel, expected) => {
    const seqMs = await measure(() => {
      if (sequential() !== expected) throw new Error(`${label}: wrong sequential result`);
    }, { runs: quick ? 2 : 5 });
    const parMs = await measure(async () => {
      if ((await parallel()) !== expected) throw new Error(`${label}: wrong parallel result`);
    }, { runs: quick ? 2 : 5 });
    record(label, 'sequential', seqMs, 'ms', '');
    record(label, 'weft fork-join', parMs, 'ms', `${(seqMs / parMs).toFixed(2)}x vs sequential (target >= 1.7x)`);
  };
  await forkJoin('fib(32), cutoff 20', () => fibSeq(32), () => weft.run(fibPar, 32, 20), 2178309);
  await forkJoin('nqueens(11)', () => queensSeq(11), () => weft.run(queensPar, 11, 3), 2680);

  await weft.close();
  await tryPeer(() => Promise.all([piscina.destroy(), tinypool.destroy()]), { timeoutMs: 10_000 });
}

/** Resident memory over 1,000,000 tasks through one pool: growth between the first and the last 100,000. */
export async function poolMemory({ threads, quick, record }) {
  const pool = new Pool({ size: threads });
  const total = quick ? 300_000 : 1_000_000;
  const batch = 10_000;
  const inc = (x) => x + 1;
  let afterFirst = 0;
  for (let done = 0; done < total; done += batch) {
    await Promise.all(Array.from({ length: batch }, (_, i) => pool.run(inc, done + i)));
    if (done + batch === 100_000) afterFirst = process.memoryUsage().rss;
  }
  const afterLast = process.memoryUsage().rss;
  const growth = ((afterLast - afterFirst) / afterFirst) * 100;
  record(`${total.toLocaleString('en')} tasks through one pool`, 'weft RSS growth, first to last 100k', growth, '%', 'target < 10%');
  await pool.close();
}
