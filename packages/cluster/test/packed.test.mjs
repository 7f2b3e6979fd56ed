// The package as users get it: weftjs and weftjs-cluster packed, installed from the tarballs into a fresh app
// outside the repository, a weft-worker started from the app's node_modules/.bin, and a caller using an inline
// function and a module task.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startRedis } from './redis-server.mjs';
import { KEY } from './setup.mjs';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function ok(cmd, args, cwd, timeout = 180_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
  assert.equal(r.status, 0, `$ ${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r;
}

describe('packed tarballs in a fresh app', { timeout: 400_000 }, () => {
  let work;
  let app;
  let redis;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'weft-cluster-consumer-'));
    app = join(work, 'app');
    mkdirSync(app);
    for (const pkg of ['packages/weft', 'packages/cluster']) ok('npm', ['pack', '--pack-destination', work, '--silent'], join(repo, pkg));
    const tarballs = readdirSync(work).filter((f) => f.endsWith('.tgz')).map((f) => join(work, f));
    assert.equal(tarballs.length, 2);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'cluster-consumer', private: true, type: 'module' }));
    ok('npm', ['install', '--no-audit', '--no-fund', '--silent', ...tarballs], app);
    writeFileSync(
      join(app, 'tasks.mjs'),
      "import { defineTask } from 'weftjs';\nexport const shout = defineTask(import.meta.url, (s, i) => `${i}:${s.toUpperCase()}`);\n",
    );
    writeFileSync(
      join(app, 'main.mjs'),
      [
        "import { ClusterPool } from 'weftjs-cluster';",
        "import { shout } from './tasks.mjs';",
        'const cluster = new ClusterPool({ connection: process.argv[2], queue: "consumer" });',
        'const squares = await cluster.map([1, 2, 3], (x) => x * x);',
        "const loud = await cluster.map(['a', 'b'], shout);",
        'console.log(JSON.stringify({ squares, loud, sum: await cluster.run((a, b) => a + b, 2, 3) }));',
      ].join('\n'),
    );
  });
  after(async () => {
    await redis?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs an inline function, a module task and run() through an installed weft-worker', async () => {
    redis = await startRedis();
    const env = { ...process.env, WEFT_CLUSTER_KEY: KEY };
    const worker = spawn(join(app, 'node_modules/.bin/weft-worker'), ['--connection', redis.url, '--queue', 'consumer', '--threads', '1'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`weft-worker not ready in 30 s:\n${out}`)), 30_000);
        const onData = (chunk) => {
          out += chunk;
          if (out.includes('ready on queue consumer')) {
            clearTimeout(timer);
            resolve();
          }
        };
        worker.stdout.on('data', onData);
        worker.stderr.on('data', onData);
      });
      const r = spawnSync(process.execPath, ['main.mjs', redis.url], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()), { squares: [1, 4, 9], loud: ['0:A', '1:B'], sum: 5 });
    } finally {
      worker.kill('SIGKILL');
    }
  });
});
