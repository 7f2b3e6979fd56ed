// weftjs-cluster over a local redis-server, with two worker processes of one thread each standing in for
// two machines, against sequential code and a hand-written BullMQ processor (one job per item, and chunked).
// Also counts Redis commands per item (INFO commandstats), the figure docs/scaling.md builds on.
// Skips, saying why, without redis-server.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { ClusterPool } from 'weftjs-cluster';
import { hasRedisServer, startRedis } from '../../cluster/test/redis-server.mjs';
import { check, measure, median } from './harness.mjs';
import { calibrate, kernel } from './workloads.mjs';

const WEFT_WORKER = fileURLToPath(new URL('../../cluster/bin/weft-worker.js', import.meta.url));
const BULLMQ_WORKER = fileURLToPath(new URL('./peers/bullmq-worker.mjs', import.meta.url));

/** Spawn a process that prints a ready line; resolves with it once it has. */
async function spawnReady(args, env, ready) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes(ready)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited (${code}) before it was ready`)));
  });
  return child;
}

async function stopAll(children) {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve)))));
}

/** The caller side of the hand-written BullMQ version: add the jobs, collect results from QueueEvents by job id. */
function handWritten(url, queue) {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const eventsConnection = new Redis(url, { maxRetriesPerRequest: null });
  const q = new Queue(queue, { connection });
  const events = new QueueEvents(queue, { connection: eventsConnection });
  let run = 0;
  return {
    ready: () => events.waitUntilReady(),
    /** `chunk` 0: one job per item. */
    async map(items, iterations, chunk) {
      const prefix = `r${run++}`;
      const jobs = [];
      if (chunk === 0) items.forEach((x, i) => jobs.push({ name: 'item', data: { x, iterations }, opts: { jobId: `${prefix}-${i}`, removeOnComplete: true } }));
      else for (let i = 0; i < items.length; i += chunk) jobs.push({ name: 'chunk', data: { items: items.slice(i, i + chunk), iterations }, opts: { jobId: `${prefix}-${i}`, removeOnComplete: true } });
      const out = new Array(items.length);
      let left = jobs.length;
      const done = new Promise((resolve) => {
        const onCompleted = ({ jobId, returnvalue }) => {
          if (!jobId.startsWith(`${prefix}-`)) return;
          const at = Number(jobId.slice(prefix.length + 1));
          if (chunk === 0) out[at] = returnvalue;
          else returnvalue.forEach((r, k) => (out[at + k] = r));
          if (--left === 0) {
            events.off('completed', onCompleted);
            resolve();
          }
        };
        events.on('completed', onCompleted);
      });
      await q.addBulk(jobs);
      await done;
      return out;
    },
    async close() {
      await events.close();
      await q.close();
      connection.disconnect();
      eventsConnection.disconnect();
    },
  };
}

/** Redis commands executed so far (INFO commandstats, commands inside Lua scripts included) and Redis's CPU seconds (INFO cpu). */
async function redisCounters(client) {
  const info = String(await client.call('INFO', 'commandstats', 'cpu'));
  let commands = 0;
  for (const m of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) commands += Number(m[1]);
  const cpu = Number(/^used_cpu_user:([\d.]+)/m.exec(info)?.[1] ?? 0) + Number(/^used_cpu_sys:([\d.]+)/m.exec(info)?.[1] ?? 0);
  return { commands, cpu };
}

/** The cluster workloads; `record` as in run.mjs. */
export async function clusterSuite({ quick, record }) {
  if (!hasRedisServer()) {
    record('cluster.map, 1,200 items x ~5 ms', 'weft cluster', NaN, 'ms', 'skipped: no redis-server on PATH (apt install redis-server)');
    return;
  }
  const redis = await startRedis();
  const key = randomBytes(24).toString('hex');
  const children = [];
  const admin = new Redis(redis.url);
  const cluster = new ClusterPool({ connection: redis.url, queue: 'bench', key });
  const bull = handWritten(redis.url, 'bench-bullmq');
  try {
    for (let i = 0; i < 2; i++) children.push(await spawnReady([WEFT_WORKER, '--connection', redis.url, '--queue', 'bench', '--threads', '1'], { WEFT_CLUSTER_KEY: key }, 'ready on queue'));
    for (let i = 0; i < 2; i++) children.push(await spawnReady([BULLMQ_WORKER, redis.url, 'bench-bullmq'], {}, 'READY'));
    await bull.ready();
    const runs = quick ? 1 : 3;

    {
      const items = Array.from({ length: quick ? 400 : 1200 }, (_, i) => i);
      const name = `cluster.map, ${items.length.toLocaleString('en')} items x ~5 ms (2 workers x 1 thread)`;
      const iterations = calibrate(5000);
      const ctx = { iterations };
      const expected = items.map((x) => kernel(x, 0, ctx));
      let out;
      const seq = await measure(() => items.map((x) => kernel(x, 0, ctx)), { runs, warmup: 0 });
      const weft = await measure(async () => (out = await cluster.map(items, kernel, { context: ctx })), { runs, warmup: 1 });
      check('cluster.map', out, expected);
      const hand = await measure(async () => (out = await bull.map(items, iterations, 20)), { runs, warmup: 1 });
      check('hand-written BullMQ', out, expected);
      record(name, 'sequential', seq, 'ms', '', { baseline: true });
      record(name, 'weft cluster', weft, 'ms', `${(seq / weft).toFixed(2)}x sequential (target >= 1.5x)`, { targets: [{ speedup: 1.5 }] });
      record(name, 'hand-written BullMQ, 20 items/job', hand, 'ms', `${(seq / hand).toFixed(2)}x sequential`);
    }
    {
      const n = quick ? 2_000 : 10_000;
      const name = `trivial items (x + 1), ${n.toLocaleString('en')} items: throughput`;
      const items = Array.from({ length: n }, (_, i) => i);
      const expected = items.map((x) => x + 1);
      let out;
      const weft = await measure(async () => (out = await cluster.map(items, (x) => x + 1)), { runs, warmup: 1 });
      check('cluster.map trivial', out, expected);
      const chunk = Math.ceil(n / 64);
      const handChunked = await measure(async () => (out = await bull.map(items, 0, chunk)), { runs, warmup: 1 });
      check('hand-written chunked', out, expected);
      const perItemN = quick ? 500 : 2_000;
      const perItem = await measure(async () => (out = await bull.map(items.slice(0, perItemN), 0, 0)), { runs: 1, warmup: 0 });
      check('hand-written per item', out, expected.slice(0, perItemN));
      const rate = (count, ms) => (count * 1000) / ms;
      record(name, 'weft cluster (adaptive chunks)', rate(n, weft), 'items/s', `${(rate(n, weft) / rate(n, handChunked)).toFixed(2)}x the hand-written chunked processor`);
      record(name, `hand-written BullMQ, ${chunk} items/job`, rate(n, handChunked), 'items/s');
      record(name, 'hand-written BullMQ, one job per item', rate(perItemN, perItem), 'items/s', `measured on ${perItemN.toLocaleString('en')} items`);
    }
    {
      const name = 'one call round trip (cluster.run)';
      const rounds = quick ? 10 : 50;
      const weftTimes = [];
      const handTimes = [];
      for (let i = 0; i < rounds; i++) {
        let t = performance.now();
        if ((await cluster.run((a, b) => a + b, i, 1)) !== i + 1) throw new Error('cluster.run computed a different result');
        weftTimes.push(performance.now() - t);
        t = performance.now();
        const [r] = await bull.map([i], 0, 0);
        if (r !== i + 1) throw new Error('hand-written BullMQ computed a different result');
        handTimes.push(performance.now() - t);
      }
      record(name, 'weft cluster.run', median(weftTimes), 'ms', `median of ${rounds}, alternating`);
      record(name, 'hand-written BullMQ, one job', median(handTimes), 'ms', `median of ${rounds}`);
    }
    {
      // Redis commands per item and per job: the figure docs/scaling.md's bounds build on.
      const n = 6_400;
      const items = Array.from({ length: n }, (_, i) => i);
      for (const chunkSize of [1, 100]) {
        const count = chunkSize === 1 ? 640 : n;
        const before = await redisCounters(admin);
        await cluster.map(items.slice(0, count), (x) => x + 1, { chunkSize });
        const after = await redisCounters(admin);
        const ops = after.commands - before.commands - 1;
        const jobs = count / chunkSize;
        const cpuUs = ((after.cpu - before.cpu) * 1e6) / jobs;
        record('Redis work per job (INFO commandstats, INFO cpu)', `weft cluster, ${chunkSize} item(s)/job`, ops / jobs, 'cmds/job', `${(ops / count).toFixed(3)} commands per item; Redis CPU ~${cpuUs.toFixed(0)} µs per job; ${count} items, ${jobs} jobs, all callers and workers`);
      }
    }
  } finally {
    await cluster.close();
    await bull.close();
    admin.disconnect();
    await stopAll(children);
    await redis.stop();
  }
}
