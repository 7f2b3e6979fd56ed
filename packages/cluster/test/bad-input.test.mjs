// Bad input is a TypeError or RangeError at the call, naming the parameter and what was received.
// None of these reach Redis: the port below has no server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Mutex } from 'weftjs';
import { ClusterPool, startWorker } from '../dist/index.js';
import { KEY } from './setup.mjs';

const base = { connection: 'redis://127.0.0.1:1', queue: 'q', key: KEY };

describe('bad input', { timeout: 180_000 }, () => {
  it('refuses bad options at construction', () => {
    assert.throws(() => new ClusterPool(), TypeError);
    assert.throws(() => new ClusterPool({ queue: 'q', key: KEY }), { name: 'TypeError', message: /ClusterPool: connection is required .*received undefined/ });
    assert.throws(() => new ClusterPool({ ...base, connection: 'http://x' }), { name: 'TypeError', message: /redis:\/\/ or rediss:\/\/ URL/ });
    assert.throws(() => new ClusterPool({ ...base, connection: 6379 }), { name: 'TypeError', message: /received a number \(6379\)/ });
    assert.throws(() => new ClusterPool({ ...base, queue: 7 }), { name: 'TypeError', message: /queue must be a string, received a number/ });
    assert.throws(() => new ClusterPool({ ...base, queue: 'a:b' }), { name: 'RangeError', message: /queue must be .*no ':'.*received a string \("a:b"\)/ });
    assert.throws(() => new ClusterPool({ ...base, queue: '' }), RangeError);
    assert.throws(() => new ClusterPool({ ...base, chunkSize: 0 }), { name: 'RangeError', message: /chunkSize must be an integer >= 1, received 0/ });
    assert.throws(() => new ClusterPool({ ...base, chunkSize: 1.5 }), RangeError);
    assert.throws(() => new ClusterPool({ ...base, chunkSize: '10' }), { name: 'TypeError', message: /chunkSize must be an integer, received a string/ });
    assert.throws(() => new ClusterPool({ ...base, key: 'short' }), { name: 'RangeError', message: /key must be at least 16 characters, received 5/ });
  });

  it('needs a signing key: the option or WEFT_CLUSTER_KEY', () => {
    const saved = process.env.WEFT_CLUSTER_KEY;
    delete process.env.WEFT_CLUSTER_KEY;
    try {
      assert.throws(() => new ClusterPool({ connection: base.connection, queue: 'q' }), { name: 'TypeError', message: /key is required .*WEFT_CLUSTER_KEY/ });
      process.env.WEFT_CLUSTER_KEY = KEY;
      assert.ok(new ClusterPool({ connection: base.connection, queue: 'q' }));
    } finally {
      if (saved === undefined) delete process.env.WEFT_CLUSTER_KEY;
      else process.env.WEFT_CLUSTER_KEY = saved;
    }
  });

  it('refuses what cannot travel at the call, naming it', async () => {
    const pool = new ClusterPool(base);
    const factor = 2;
    assert.throws(() => pool.map([1], (x) => x * factor), { name: 'TypeError', message: /ClusterPool.map: fn: .*outer variable factor/ });
    assert.throws(() => pool.map([1, () => 2], (x) => x), { name: 'TypeError', message: /ClusterPool.map: item 1: .*cannot be encoded/ });
    assert.throws(() => pool.map([0, 1, new Int32Array(new SharedArrayBuffer(8))], (x) => x), { name: 'TypeError', message: /item 2: shared memory .* cannot leave this process/ });
    assert.throws(() => pool.map([new Mutex()], (x) => x), { name: 'TypeError', message: /item 0: shared memory/ });
    assert.throws(() => pool.map([1], (x) => x, { context: { lock: new Mutex() } }), { name: 'TypeError', message: /context: shared memory/ });
    assert.throws(() => pool.map(5, (x) => x), { name: 'TypeError', message: /items must be an iterable/ });
    assert.throws(() => pool.map([1], 'x => x'), { name: 'TypeError', message: /fn must be a function/ });
    assert.throws(() => pool.map([1], (x) => x, { chunkSize: -1 }), RangeError);
    assert.throws(() => pool.map([1], (x) => x, { onProgress: 1 }), { name: 'TypeError', message: /onProgress must be a function/ });
    assert.throws(() => pool.map([1], (x) => x, { signal: {} }), { name: 'TypeError', message: /signal must be an AbortSignal/ });
    assert.throws(() => pool.run((x) => x, new SharedArrayBuffer(4)), { name: 'TypeError', message: /ClusterPool.run: item 0: shared memory/ });
    await pool.close();
  });

  it('refuses bad worker options before connecting', () => {
    assert.throws(() => startWorker({ ...base, threads: 0 }), { name: 'RangeError', message: /startWorker: threads must be an integer between 1 and 1024, received 0/ });
    assert.throws(() => startWorker({ ...base, root: 5 }), { name: 'TypeError', message: /root must be a non-empty path/ });
    assert.throws(() => startWorker({ ...base, queue: 'x:y' }), RangeError);
  });

  it('refuses calls on a closed pool', async () => {
    const pool = new ClusterPool(base);
    await pool.close();
    await assert.rejects(pool.map([1], (x) => x), { name: 'PoolClosedError' });
  });
});
