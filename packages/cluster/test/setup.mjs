// One redis-server and a few local worker processes per test file, stopped afterwards.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startRedis } from './redis-server.mjs';
import { spawnWorker } from './workers.mjs';

export const KEY = 'test-key-0123456789abcdef';

let queueSeq = 0;
/** A queue name of its own for each test, so tests share no jobs. */
export function freshQueue(label) {
  return `${label}-${process.pid}-${queueSeq++}`;
}

/** Start redis and return helpers that track what to stop. */
export async function cluster() {
  return cluster.on(await startRedis());
}

/** The helpers of {@link cluster} on a redis-server the test started itself. */
cluster.on = async function on(redis) {
  const workers = [];
  const pools = [];
  const queues = [];
  const clients = [];
  return {
    redis,
    /** Options of callers and workers on `queue`. */
    options(queue, extra = {}) {
      return { connection: redis.url, queue, key: KEY, ...extra };
    },
    async worker(queue, extra = {}, spawnOptions = {}) {
      const w = await spawnWorker({ connection: redis.url, queue, key: KEY, threads: 1, ...extra }, spawnOptions);
      workers.push(w);
      return w;
    },
    /** Track a pool to close at the end. */
    pool(p) {
      pools.push(p);
      return p;
    },
    /** A plain BullMQ queue on `queue`, for looking at (or forging) jobs. */
    queue(name) {
      const client = new Redis(redis.url, { maxRetriesPerRequest: null });
      client.on('error', () => {}); // tests that stop Redis see it in their assertions, not here
      clients.push(client);
      const q = new Queue(name, { connection: client });
      q.on('error', () => {});
      queues.push(q);
      return q;
    },
    async stop() {
      await Promise.all(pools.map((p) => p.close()));
      await Promise.all(workers.map((w) => w.kill()));
      await Promise.all(queues.map((q) => q.close().catch(() => {})));
      for (const c of clients) c.disconnect();
      await redis.stop();
    },
  };
};

/**
 * Run `body`; if it throws, throw again with the last lines each worker process printed (its stdout and
 * stderr, where its Weft threads' own errors go), so that a failure that happened on a worker says what.
 */
export async function withWorkerOutput(workers, body) {
  try {
    return await body();
  } catch (err) {
    const output = workers.map((w, k) => `--- worker ${k} (${w.machine}), last lines:\n${w.lines.slice(-40).join('\n')}`).join('\n');
    throw new Error(`${err?.message ?? err}\n${output}`, { cause: err });
  }
}

/** Poll `condition` every 20 ms until it holds; reject after `ms` (a bounded wait, not a sleep). */
export async function eventually(condition, ms = 15_000, what = 'condition') {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
