// Channels between workers: throughput of Weft's shared-memory Channel, and
// a MessagePort postMessage stream as the baseline for objects. Part of
// `npm run bench` (suite "channel").
//
// Weft's parties are pool workers (parallelMap, inline: 'never', one item
// each) that start together on an Atomics handshake and block in
// sendSync / iteration. The MessagePort baseline streams the same objects
// between two plain worker_threads connected by a MessageChannel. The two
// object contenders are measured with harness.mjs's `alternate`: one
// untimed warm-up each, then alternating rounds, so both see the same
// machine conditions, and the ratio is the median of the per-round ratios.
import { Worker } from 'node:worker_threads';
import { AtomicInt32, Channel, Pool } from 'weftjs';
import { alternate } from './harness.mjs';

/** One party of a channel run; returns its elapsed ms (from the common start). */
function party(role, _index, ctx) {
  const { ch, start, parties, producers, perProducer, kind, done } = ctx;
  Atomics.add(start, 0, 1);
  const deadline = performance.now() + 20_000;
  while (Atomics.load(start, 0) < parties) if (performance.now() > deadline) throw new Error('the other parties never started');
  const t = performance.now();
  if (role < producers) {
    if (kind === 'numbers') for (let i = 0; i < perProducer; i++) ch.sendSync(i);
    else for (let i = 0; i < perProducer; i++) ch.sendSync({ id: i, name: `item-${i}`, tags: ['red', 'green', 'blue'] });
    if (done.add(1) + 1 === producers) ch.close();
    return [performance.now() - t, 0];
  }
  let count = 0;
  for (const _v of ch) count++;
  return [performance.now() - t, count];
}

async function channelRun(pool, { producers, consumers, perProducer, kind, capacity }) {
  const ch = new Channel(capacity);
  const start = new Int32Array(new SharedArrayBuffer(4));
  const roles = Array.from({ length: producers + consumers }, (_, i) => i);
  const context = { ch, start, parties: roles.length, producers, perProducer, kind, done: new AtomicInt32(0) };
  const results = await pool.map(roles, party, { context, inline: 'never', chunkSize: 1 });
  const received = results.reduce((a, [, c]) => a + c, 0);
  if (received !== producers * perProducer) throw new Error(`weft channel: ${received} of ${producers * perProducer} messages arrived`);
  const ms = Math.max(...results.map(([t]) => t));
  return (received / ms) * 1000;
}

const portWorkerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { role, port, count, start } = workerData;
Atomics.add(start, 0, 1);
while (Atomics.load(start, 0) < 2);
const t = performance.now();
if (role === 0) {
  for (let i = 0; i < count; i++) port.postMessage({ id: i, name: 'item-' + i, tags: ['red', 'green', 'blue'] });
  parentPort.postMessage(performance.now() - t);
} else {
  let n = 0;
  port.on('message', () => {
    if (++n === count) { parentPort.postMessage(performance.now() - t); port.close(); }
  });
}
`;

async function portRun(count) {
  const { port1, port2 } = new MessageChannel();
  const start = new Int32Array(new SharedArrayBuffer(4));
  const spawn = (role, port) =>
    new Promise((resolve, reject) => {
      const w = new Worker(portWorkerSource, { eval: true, workerData: { role, port, count, start }, transferList: [port] });
      w.once('message', (ms) => {
        resolve(ms);
        void w.terminate();
      });
      w.once('error', reject);
    });
  const [, consumerMs] = await Promise.all([spawn(0, port1), spawn(1, port2)]);
  return (count / consumerMs) * 1000;
}

const best = async (rounds, fn) => {
  let top = 0;
  for (let r = 0; r < rounds; r++) top = Math.max(top, await fn());
  return top;
};

/**
 * Runs the channel workloads; `record(workload, contender, value, unit, note, facts)` receives each
 * figure, `facts` as in benchmark-chart.mjs (baseline, targets).
 */
export async function channelSuite({ quick, record }) {
  const rounds = quick ? 2 : 5;
  const pool = new Pool({ size: 8 });
  const m = (v) => v / 1e6;
  try {
    const n = quick ? 1_000_000 : 4_000_000;
    const oneToOne = await best(rounds, () => channelRun(pool, { producers: 1, consumers: 1, perProducer: n, kind: 'numbers', capacity: 1024 }));
    record('1 producer -> 1 consumer worker, numbers', 'weft Channel(1024)', m(oneToOne), 'M msgs/s', 'target >= 5 M msgs/s', { targets: [{ value: 5 }] });

    const objects = quick ? 200_000 : 1_000_000;
    // Rates (higher is better), alternating rounds: the ratio is weft's rate over MessagePort's.
    const paired = await alternate(
      () => channelRun(pool, { producers: 1, consumers: 1, perProducer: objects, kind: 'objects', capacity: 1024 }),
      () => portRun(objects),
      { rounds: quick ? 3 : 5, ratio: (weft, port) => weft / port },
    );
    const weftObjects = paired.a;
    const portObjects = paired.b;
    const label = '1 -> 1 worker, { id, name, tags } objects';
    record(label, 'weft Channel(1024) (msgpackr)', m(weftObjects), 'M msgs/s', `${paired.ratio.toFixed(2)}x MessagePort (target >= 2x)`, {
      targets: [{ speedup: 2 }],
    });
    record(label, 'MessagePort postMessage (structured clone)', m(portObjects), 'M msgs/s', '', { baseline: true });

    const each = quick ? 250_000 : 1_000_000;
    const many = await best(rounds, () => channelRun(pool, { producers: 4, consumers: 4, perProducer: each, kind: 'numbers', capacity: 1024 }));
    record('4 producers / 4 consumers, numbers', 'weft Channel(1024)', m(many), 'M msgs/s', 'target >= 2 M msgs/s in total', { targets: [{ value: 2 }] });
  } finally {
    await pool.close();
  }
}
