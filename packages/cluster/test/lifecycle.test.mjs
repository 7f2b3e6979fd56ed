// close() always resolves, and an idle ClusterPool does not keep the process alive.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PoolClosedError } from 'weftjs';
import { ClusterPool } from '../dist/index.js';
import { startRedis } from './redis-server.mjs';
import { cluster, eventually, freshQueue } from './setup.mjs';

const CALLER = fileURLToPath(new URL('./fixtures/idle-caller.mjs', import.meta.url));

/** Run the idle caller; resolves with its exit code and output, or rejects if it is still alive after `ms`. */
async function runCaller(options, onLine = () => {}, ms = 30_000) {
  const child = spawn(process.execPath, [CALLER, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    for (const line of String(chunk).split('\n')) if (line) onLine(line);
  });
  child.stderr.on('data', (chunk) => (out += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code, signal] = await once(child, 'exit');
  clearTimeout(timer);
  if (signal === 'SIGKILL') throw new Error(`the caller was still alive after ${ms} ms:\n${out}`);
  return { code, out };
}

describe('close and exit', { timeout: 180_000 }, () => {
  let c;
  let queue;
  before(async () => {
    c = await cluster();
    queue = freshQueue('life');
    await c.worker(queue);
  });
  after(() => c.stop());

  it('a process whose pool is idle exits by itself (used or never used)', async () => {
    const used = await runCaller({ ...c.options(queue), mode: 'used' });
    assert.equal(used.code, 0, used.out);
    assert.match(used.out, /RESULT \[10,20,30\]/);
    const unused = await runCaller({ ...c.options(queue), mode: 'unused' });
    assert.equal(unused.code, 0, unused.out);
  });

  it('an idle pool whose Redis went away does not keep the process alive', async () => {
    const redis = await startRedis();
    const local = await cluster.on(redis);
    try {
      const name = freshQueue('gone-idle');
      await local.worker(name);
      let stopping;
      const { code, out } = await runCaller({ ...local.options(name), mode: 'redis-gone' }, (line) => {
        if (line === 'IDLE') stopping = redis.stop();
      });
      await stopping;
      assert.equal(code, 0, out);
    } finally {
      await local.stop();
    }
  });

  it('close() lets calls finish up to closeTimeout, then rejects them with PoolClosedError', async () => {
    const name = freshQueue('no-workers');
    const pool = new ClusterPool({ ...c.options(name), closeTimeout: 100 });
    const call = pool.map([1, 2], (x) => x).catch((e) => e); // no worker serves this queue
    const q = c.queue(name);
    await eventually(async () => (await q.getWaitingCount()) > 0, 10_000, 'the job is queued');
    await pool.close();
    assert.ok((await call) instanceof PoolClosedError);
  });

  it('close() resolves when Redis is down', async () => {
    const redis = await startRedis();
    const local = await cluster.on(redis);
    const pool = new ClusterPool({ ...local.options('down'), closeTimeout: 200 });
    const call = pool.map([1], (x) => x).catch((e) => e); // queued; no worker
    const q = local.queue('down');
    await eventually(async () => (await q.getWaitingCount()) > 0, 10_000, 'the job is queued');
    await redis.stop();
    await pool.close();
    assert.ok((await call) instanceof PoolClosedError);
    await local.stop();
  });
});
