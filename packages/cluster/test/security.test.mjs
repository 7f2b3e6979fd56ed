// Signed jobs: workers refuse unsigned, forged and tampered jobs and run nothing from them;
// callers ignore results whose signature does not verify.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ClusterError, ClusterPool } from '../dist/index.js';
import { Redis } from 'ioredis';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startRedis } from './redis-server.mjs';
import { cluster, eventually, freshQueue } from './setup.mjs';

const hasOpenssl = () => spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

const evil = "(x) => { console.log('PWNED'); return x; }";

describe('signed jobs', { timeout: 180_000 }, () => {
  let c;
  let queue;
  let worker;
  before(async () => {
    c = await cluster();
    queue = freshQueue('sec');
    worker = await c.worker(queue);
  });
  after(() => c.stop());

  it('refuses and logs unsigned jobs and jobs signed with another key, running nothing from them', async () => {
    const q = c.queue(queue);
    const data = { v: 1, call: 'wforged', offset: 0, task: { kind: 'source', source: evil, form: 'expression' }, spread: false, items: 'kZA=', context: '' };
    const forgedSig = createHmac('sha256', 'not-the-key-0123456789').update('anything').digest('hex');
    await q.add('weft', data, { jobId: 'wforged-0' }); // unsigned
    await q.add('weft', { ...data, sig: forgedSig }, { jobId: 'wforged-1' }); // signed with another key
    const pool = c.pool(new ClusterPool(c.options(queue)));
    assert.deepEqual(await pool.map([5], (x) => x + 1), [6], 'signed jobs run');
    for (const id of ['wforged-0', 'wforged-1']) {
      await worker.waitFor(new RegExp(`refused job ${id} on queue ${queue}: unsigned or signed with another key; nothing from it was run`));
    }
    await eventually(async () => (await q.getJobCounts('failed')).failed === 2, 10_000, 'both refused jobs failed');
    const failed = await q.getFailed();
    for (const job of failed) assert.match(job.failedReason, /^weft-refused:/);
    assert.equal(failed.every((job) => job.attemptsMade <= 1), true, 'refused jobs are not retried');
    assert.ok(!worker.lines.some((line) => line.includes('PWNED')), 'no forged code ran');
  });

  it('refuses a signed job whose code was swapped on the queue, and its caller learns why', async () => {
    const name = freshQueue('tamper');
    const pool = c.pool(new ClusterPool(c.options(name)));
    const q = c.queue(name);
    // Caught at once: the worker may refuse the job (and the call reject) before c.worker() below resolves.
    const call = pool.map([1], (x) => x + 1).catch((e) => e);
    const job = await eventually(async () => (await q.getWaiting())[0], 10_000, 'the job is queued');
    await job.remove();
    await q.add('weft', { ...job.data, task: { kind: 'source', source: evil, form: 'expression' } }, { jobId: job.id });
    const worker2 = await c.worker(name);
    const err = await call;
    assert.ok(err instanceof ClusterError && err.code === 'WEFT_CLUSTER_REFUSED', String(err));
    await worker2.waitFor(new RegExp(`refused job ${job.id}`));
    assert.ok(!worker2.lines.some((line) => line.includes('PWNED')), 'the swapped code did not run');
  });

  it('a caller with another key has its jobs refused, with a clear error', async () => {
    const pool = c.pool(new ClusterPool({ ...c.options(queue), key: 'another-key-0123456789' }));
    const err = await pool.map([1], (x) => x).catch((e) => e);
    assert.ok(err instanceof ClusterError, String(err));
    assert.equal(err.code, 'WEFT_CLUSTER_REFUSED');
    assert.match(err.message, /same key \(WEFT_CLUSTER_KEY\)/);
  });

  it('ignores a forged result and takes the real one', async () => {
    const queue2 = freshQueue('forged-result');
    const logged = [];
    const pool = c.pool(new ClusterPool({ ...c.options(queue2), log: (line) => logged.push(line) }));
    const q = c.queue(queue2);
    const call = pool.map([20, 21], (x) => x * 2, { chunkSize: 2 });
    const job = await eventually(async () => (await q.getWaiting())[0], 10_000, 'the job is queued');
    // No worker yet: forge the completion event a worker would write.
    const forged = JSON.stringify({ v: 1, outcome: { kind: 'ok', results: 'kgEC' }, machine: 'evil:1', sig: 'b'.repeat(64) });
    const client = new Redis(c.redis.url);
    await client.xadd(`bull:${queue2}:events`, '*', 'event', 'completed', 'jobId', job.id, 'returnvalue', forged);
    await eventually(() => logged.some((line) => line.includes(`ignored a result for job ${job.id}`)), 10_000, 'the forged result is logged');
    client.disconnect();
    await c.worker(queue2);
    assert.deepEqual(await call, [40, 42]);
  });

  it('passes AUTH options straight to ioredis: the right password works, a wrong one fails clearly', async () => {
    const redis = await startRedis(undefined, ['--requirepass', 'sesame-0123']);
    const local = await cluster.on(redis);
    try {
      const name = freshQueue('auth');
      await local.worker(name, { connection: `redis://:sesame-0123@127.0.0.1:${redis.port}` });
      const pool = local.pool(new ClusterPool({ ...local.options(name), connection: { host: '127.0.0.1', port: redis.port, password: 'sesame-0123' } }));
      assert.deepEqual(await pool.map([1, 2], (x) => -x), [-1, -2]);
      const wrong = new ClusterPool({ ...local.options(name), connection: { host: '127.0.0.1', port: redis.port, password: 'wrong' }, connectionTimeout: 300, checkInterval: 50 });
      const err = await wrong.map([1], (x) => x).catch((e) => e);
      assert.ok(err instanceof ClusterError, String(err));
      assert.equal(err.code, 'WEFT_CLUSTER_CONNECTION');
      assert.match(err.message, /WRONGPASS|invalid username-password/i);
      await wrong.close();
    } finally {
      await local.stop();
    }
  });

  it('passes TLS options straight to ioredis', { skip: !hasOpenssl() && 'no openssl to make a certificate' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-tls-'));
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    assert.equal(made.status, 0, 'openssl made a certificate');
    const port = await freePort();
    const redis = await startRedis(undefined, ['--port', '0', '--tls-port', String(port), '--tls-cert-file', join(dir, 'cert.pem'),
      '--tls-key-file', join(dir, 'key.pem'), '--tls-auth-clients', 'no']);
    const local = await cluster.on(redis);
    try {
      const ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
      const connection = { host: '127.0.0.1', port, tls: { ca } };
      const name = freshQueue('tls');
      await local.worker(name, { connection });
      const pool = local.pool(new ClusterPool({ ...local.options(name), connection }));
      assert.deepEqual(await pool.map(['a', 'b'], (s) => s.repeat(2)), ['aa', 'bb']);
    } finally {
      await local.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
