// parallelMap against sequential code and the peer pools (one task per item).
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import Tinypool from 'tinypool';
import workerpool from 'workerpool';
import { parallelMap } from 'weftjs';
import { check, measure, paired, tryPeer } from './harness.mjs';
import { calibrate, kernel } from './workloads.mjs';

const spinWorker = new URL('./peers/spin-worker.mjs', import.meta.url).href;

/**
 * Runs the parallelMap workloads; `record(workload, contender, value, unit, note, facts)` receives each
 * figure, `facts` as in benchmark-chart.mjs (baseline, paired speedups, targets).
 */
export async function mapSuite({ threads, quick, record }) {
  const runs = quick ? 3 : 7;
  const piscina = new Piscina({ filename: spinWorker, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  const tinypool = new Tinypool({ filename: spinWorker, minThreads: threads, maxThreads: threads });
  const sequential = 'sequential items.map';
  const wpool = workerpool.pool(fileURLToPath(new URL('./peers/spin-workerpool.mjs', import.meta.url)), {
    minWorkers: threads,
    maxWorkers: threads,
    workerType: 'thread',
  });

  {
    const name = '20,000 items x ~50 µs';
    const iterations = calibrate(50);
    const items = Array.from({ length: 20_000 }, (_, i) => i);
    const expected = items.map((s, i) => kernel(s, i, { iterations }));
    let out;
    // Alternating rounds: weft and sequential code see the same machine state.
    const vsSeq = await paired(
      async () => {
        out = await parallelMap(items, kernel, { context: { iterations } });
      },
      () => items.map((s, i) => kernel(s, i, { iterations })),
      { rounds: runs },
    );
    check('weft', out, expected);
    const weft = vsSeq.a;
    record(name, sequential, vsSeq.b, 'ms', '', { baseline: true });
    record(name, 'weft parallelMap', weft, 'ms', `${vsSeq.ratio.toFixed(2)}x vs sequential, median of alternating rounds (target >= 1.8x)`, {
      paired: [{ speedup: vsSeq.ratio }],
      targets: [{ speedup: 1.8 }, { vs: 'piscina, a task per item', speedup: 2 }],
    });
    const peers = [
      ['piscina, a task per item', () => Promise.all(items.map((seed) => piscina.run({ iterations, seed })))],
      ['tinypool, a task per item', () => Promise.all(items.map((seed) => tinypool.run({ iterations, seed })))],
      ['workerpool, a task per item', () => Promise.all(items.map((seed) => wpool.exec('spin', [iterations, seed])))],
    ];
    for (const [label, fn] of peers) {
      const peer = await tryPeer(async () => {
        const ms = await measure(async () => (out = await fn()), { runs: Math.min(runs, 3) });
        check(label, out, expected);
        return ms;
      });
      if (peer.skipped) record(name, label, NaN, 'ms', peer.skipped);
      else record(name, label, peer.value, 'ms', `weft ${(peer.value / weft).toFixed(2)}x faster${label.startsWith('piscina') ? ' (target >= 2x)' : ''}`);
    }
  }

  {
    const name = '64 items x ~20 ms';
    const iterations = calibrate(20_000);
    const items = Array.from({ length: 64 }, (_, i) => i);
    const expected = items.map((s, i) => kernel(s, i, { iterations }));
    let out;
    const vsSeq = await paired(
      async () => {
        out = await parallelMap(items, kernel, { context: { iterations } });
      },
      () => items.map((s, i) => kernel(s, i, { iterations })),
      { rounds: quick ? 1 : 3 },
    );
    check('weft', out, expected);
    const weft = vsSeq.a;
    record(name, sequential, vsSeq.b, 'ms', '', { baseline: true });
    record(name, 'weft parallelMap', weft, 'ms', `${vsSeq.ratio.toFixed(2)}x vs sequential, median of alternating rounds (target >= 1.9x)`, {
      paired: [{ speedup: vsSeq.ratio }],
      targets: [{ speedup: 1.9 }],
    });
    const peer = await tryPeer(async () => {
      const ms = await measure(async () => (out = await Promise.all(items.map((seed) => piscina.run({ iterations, seed })))), { runs: quick ? 1 : 3 });
      check('piscina', out, expected);
      return ms;
    });
    record(name, 'piscina, a task per item', peer.value ?? NaN, 'ms', peer.skipped ?? `weft ${(peer.value / weft).toFixed(2)}x faster`);
  }

  {
    const name = '1,000,000 items x => x * 2';
    const items = Array.from({ length: 1_000_000 }, (_, i) => i);
    const expected = items.map((x) => x * 2);
    // Alternating rounds: both sides see the same garbage-collector and machine state.
    let out;
    const result = await paired(
      async () => {
        out = await parallelMap(items, (x) => x * 2);
      },
      () => items.map((x) => x * 2),
      { rounds: quick ? 7 : 21 },
    );
    check('weft', out, expected);
    record(name, sequential, result.b, 'ms', '', { baseline: true });
    record(name, 'weft parallelMap', result.a, 'ms', `${(1 / result.ratio).toFixed(2)}x the sequential time, median of alternating rounds (target <= 1.1x)`, {
      paired: [{ speedup: result.ratio }],
      targets: [{ speedup: 1 / 1.1 }],
    });
  }

  await tryPeer(() => Promise.all([piscina.destroy(), tinypool.destroy(), wpool.terminate()]), { timeoutMs: 10_000 });
}
