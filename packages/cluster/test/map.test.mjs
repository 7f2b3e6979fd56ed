// ClusterPool.map and run against a real redis-server and two local worker processes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { fromModule, TaskError } from 'weftjs';
import { ClusterError, ClusterPool } from '../dist/index.js';
import { newer } from './fixtures/app/tasks.mjs';
import { cluster, eventually, freshQueue, withWorkerOutput } from './setup.mjs';

const APP = fileURLToPath(new URL('./fixtures/app/', import.meta.url));
const EMPTY = fileURLToPath(new URL('./fixtures/empty-root/', import.meta.url));

describe('ClusterPool.map and run', { timeout: 180_000 }, () => {
  let c;
  let queue;
  let pool;
  let workers;
  before(async () => {
    c = await cluster();
    queue = freshQueue('map');
    workers = await Promise.all([c.worker(queue, { root: APP }), c.worker(queue, { root: APP })]);
    pool = c.pool(new ClusterPool(c.options(queue)));
  });
  after(() => c.stop());

  it('returns results in input order, with the index in the whole input and the context', async () => {
    const items = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000); // scrambled, deterministic
    for (const chunkSize of [undefined, 1, 7, 1000]) {
      const out = await pool.map(items, (x, i, ctx) => x * ctx.k + i, { context: { k: 3 }, ...(chunkSize && { chunkSize }) });
      assert.deepEqual(out, items.map((x, i) => x * 3 + i), `chunkSize ${chunkSize}`);
    }
  });

  it('keeps structured-clone fidelity both ways (Map, Set, Date, typed arrays, bigint)', async () => {
    const items = [new Map([[1, new Date(1000)]]), new Set(['a']), new Float64Array([1.5, 2.5]), 12n, { nested: [undefined, null] }];
    const out = await pool.map(items, (x) => ({ x, when: new Date(0), bytes: new Uint8Array([7]) }));
    assert.deepEqual(out.map((r) => r.x), items);
    assert.ok(out[0].when instanceof Date && out[0].bytes instanceof Uint8Array);
  });

  it('reports progress up to the total, never backwards', async () => {
    const seen = [];
    await pool.map(Array.from({ length: 40 }, (_, i) => i), (x) => x, { chunkSize: 5, onProgress: (done, total) => seen.push([done, total]) });
    assert.equal(seen.length, 8);
    assert.deepEqual(seen.at(-1), [40, 40]);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] > seen[i - 1][0]);
  });

  it('runs one call with cluster.run', async () => {
    assert.equal(await pool.run((a, b) => a + b, 1, 2), 3);
    assert.deepEqual(await pool.run((m) => [...m.keys()], new Map([['k', 1]])), ['k']);
    assert.deepEqual(await pool.map([], (x) => x), []);
  });

  it('rejects with TaskError for the first failure: index, class, code and the worker stack', async () => {
    const err = await pool
      .map(Array.from({ length: 30 }, (_, i) => i), (x) => {
        if (x === 17) throw Object.assign(new RangeError(`bad ${x}`), { code: 'E_BAD' });
        return x;
      }, { chunkSize: 4 })
      .catch((e) => e);
    assert.ok(err instanceof TaskError, String(err));
    assert.equal(err.index, 17);
    assert.ok(err.cause instanceof RangeError);
    assert.equal(err.cause.code, 'E_BAD');
    assert.match(err.cause.stack, /RangeError: bad 17/);
    assert.match(err.message, /item 17 failed on .+:\d+/);
    // The pool stays usable.
    assert.deepEqual(await pool.map([1, 2], (x) => x + 1), [2, 3]);
  });

  it('cancels the remaining jobs of a failed call', async () => {
    const q = c.queue(queue);
    const items = Array.from({ length: 40 }, (_, i) => i);
    const err = await pool
      .map(items, (x) => {
        if (x === 0) throw new Error('first');
        console.log(`RAN ${x}`);
        const until = Date.now() + 200;
        while (Date.now() < until);
        return x;
      }, { chunkSize: 1 })
      .catch((e) => e);
    assert.ok(err instanceof TaskError && err.index === 0);
    // 40 jobs of 200 ms on two workers would keep them busy for 4 s; the rest were removed instead.
    await eventually(async () => {
      const counts = await q.getJobCounts('waiting', 'active');
      return counts.waiting === 0 && counts.active === 0;
    }, 10_000, 'queue drained of the failed call');
    const ran = workers.flatMap((w) => w.lines).filter((line) => /^RAN \d+$/.test(line)).length;
    assert.ok(ran > 0 && ran < 20, `only the jobs already running finish (and their items print), ran ${ran} of 39`);
  });

  it('runs module tasks (defineTask and fromModule) that import an npm package, found under the worker root', async () => {
    // Once in three fresh-clone CI runs this failed with "a worker exited with code 1": the workers' output says why.
    await withWorkerOutput(workers, async () => {
      const out = await pool.map([['1.2.0', '1.10.0'], ['2.0.0', '1.9.9']], newer, { context: { suffix: '!' } });
      assert.deepEqual(out, ['0:1.10.0!', '1:2.0.0!']);
      const major = fromModule(new URL('./fixtures/app/tasks.mjs', import.meta.url), 'major');
      assert.deepEqual(await pool.map(['3.1.4', '10.0.0'], major), [3, 10]);
      assert.equal(await pool.run(major, '7.0.1'), 7);
    });
  });

  it('fails a missing export with an error naming the module, the export and the machine', async () => {
    const missing = fromModule(new URL('./fixtures/app/tasks.mjs', import.meta.url), 'noSuchExport');
    const err = await pool.map([1, 2, 3], missing).catch((e) => e);
    assert.ok(err instanceof ClusterError, String(err));
    assert.equal(err.code, 'WEFT_CLUSTER_TASK_NOT_FOUND');
    assert.match(err.message, /tasks\.mjs.*noSuchExport.* on .+:\d+/);
  });
});

describe('a worker without the task module', { timeout: 180_000 }, () => {
  let c;
  before(async () => {
    c = await cluster();
  });
  after(() => c.stop());

  it('fails the call naming the module and the machine, without retrying', async () => {
    const queue = freshQueue('missing');
    const worker = await c.worker(queue, { root: EMPTY });
    const pool = c.pool(new ClusterPool(c.options(queue)));
    const err = await pool.map([['1.0.0', '2.0.0']], newer).catch((e) => e);
    assert.ok(err instanceof ClusterError, String(err));
    assert.equal(err.code, 'WEFT_CLUSTER_TASK_NOT_FOUND');
    assert.match(err.message, /module tasks\.mjs \(export newer\) not found under .*empty-root/);
    assert.equal(err.machine, worker.machine);
    assert.ok(err.message.includes(worker.machine));
    const counts = await c.queue(queue).getJobCounts('waiting', 'active', 'delayed');
    assert.deepEqual(counts, { waiting: 0, active: 0, delayed: 0 });
  });
});
