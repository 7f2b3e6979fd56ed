// Faults: a worker killed mid-call, Redis restarted mid-call or gone, abort.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AbortError } from 'weftjs';
import { ClusterError, ClusterPool } from '../dist/index.js';
import { startRedis } from './redis-server.mjs';
import { cluster, eventually, freshQueue } from './setup.mjs';

/** Worker settings that notice a dead worker within about a second. */
const FAST_STALLS = { lockDuration: 1000, stalledInterval: 500 };

/** Each item busy-waits `ms` then returns x * 2, printing `ITEM index pid` first (the test's handshake). */
const slowDouble = (x, index, ctx) => {
  console.log(`ITEM ${index} ${process.pid}`);
  const until = Date.now() + ctx.ms;
  while (Date.now() < until);
  return x * 2;
};

describe('faults', { timeout: 180_000 }, () => {
  let c;
  before(async () => {
    c = await cluster();
  });
  after(() => c.stop());

  it('a worker killed with SIGKILL mid-job: its job runs elsewhere, every result exactly once', async () => {
    const queue = freshQueue('kill');
    const victim = await c.worker(queue, FAST_STALLS);
    const pool = c.pool(new ClusterPool(c.options(queue)));
    const items = Array.from({ length: 24 }, (_, i) => i);
    const done = pool.map(items, slowDouble, { chunkSize: 4, context: { ms: 100 } });
    await victim.waitFor(/^ITEM \d+ /); // the victim is inside a job
    await victim.kill();
    await c.worker(queue, FAST_STALLS); // the machine that takes over
    assert.deepEqual(await done, items.map((x) => x * 2));
  });

  it('abort rejects at once, removes waiting jobs and stops running ones', async () => {
    const queue = freshQueue('abort');
    const worker = await c.worker(queue);
    const pool = c.pool(new ClusterPool(c.options(queue)));
    const q = c.queue(queue);
    const controller = new AbortController();
    // 10 jobs of one 60 s item: running them would take 10 minutes.
    const call = pool.map(Array.from({ length: 10 }, (_, i) => i), slowDouble, { chunkSize: 1, context: { ms: 60_000 }, signal: controller.signal });
    await worker.waitFor(/^ITEM \d+ /);
    controller.abort(new Error('user stop'));
    const err = await call.catch((e) => e);
    assert.ok(err instanceof AbortError, String(err));
    await eventually(async () => {
      const counts = await q.getJobCounts('waiting', 'active');
      return counts.waiting === 0 && counts.active === 0;
    }, 20_000, 'waiting jobs removed and the running one stopped');
    assert.deepEqual(await pool.map([1], (x) => x), [1], 'the worker takes new work');
  });

  it('Redis restarted mid-call (data lost): lost jobs are queued again and the call completes', async () => {
    const redis = await startRedis();
    const local = await cluster.on(redis);
    let restarted;
    try {
      const queue = freshQueue('restart');
      await Promise.all([local.worker(queue), local.worker(queue)]);
      const pool = local.pool(new ClusterPool({ ...local.options(queue), checkInterval: 100 }));
      const items = Array.from({ length: 30 }, (_, i) => i);
      let progressed;
      const firstProgress = new Promise((resolve) => (progressed = resolve));
      const done = pool.map(items, slowDouble, { chunkSize: 2, context: { ms: 30 }, onProgress: () => progressed() });
      await firstProgress;
      await redis.stop();
      restarted = await startRedis(redis.port);
      assert.deepEqual(await done, items.map((x) => x * 2));
    } finally {
      await local.stop();
      await restarted?.stop();
    }
  });

  /**
   * A redis-server of its own, one worker and a pool with short bounds, and a call of 20 slow items
   * already running on that worker: what the two Redis-loss tests below start from.
   */
  async function callInFlight(label) {
    const redis = await startRedis();
    const local = await cluster.on(redis);
    const queue = freshQueue(label);
    const worker = await local.worker(queue);
    const pool = new ClusterPool({ ...local.options(queue), checkInterval: 50, connectionTimeout: 500 });
    // Caught at once: it is awaited only after Redis has been taken away.
    const call = pool.map(Array.from({ length: 20 }, (_, i) => i), slowDouble, { chunkSize: 1, context: { ms: 50 } }).catch((e) => e);
    await worker.waitFor(/^ITEM \d+ /);
    return { redis, local, pool, call };
  }

  it('Redis gone for good: the call rejects with a ClusterError after connectionTimeout, and close resolves', async () => {
    const { redis, local, pool, call } = await callInFlight('gone');
    await redis.stop();
    const err = await call;
    assert.ok(err instanceof ClusterError, String(err));
    assert.equal(err.code, 'WEFT_CLUSTER_CONNECTION');
    assert.match(err.message, /unreachable for \d+ ms \(connectionTimeout 500 ms\)/);
    await pool.close();
    await local.stop();
  });

  it('Redis hung (connected, answering nothing): the call rejects with a ClusterError after connectionTimeout, and close resolves', async () => {
    const { redis, local, pool, call } = await callInFlight('hung');
    try {
      redis.pause();
      const startedWaiting = Date.now();
      const err = await call;
      assert.ok(err instanceof ClusterError, String(err));
      assert.equal(err.code, 'WEFT_CLUSTER_CONNECTION');
      assert.match(err.message, /unreachable for \d+ ms \(connectionTimeout 500 ms\) \(connected, but it answered no command\)/);
      assert.ok(Date.now() - startedWaiting < 15_000, 'rejected within a bound of connectionTimeout');
      await pool.close();
    } finally {
      redis.resume();
      await local.stop();
    }
  });
});
