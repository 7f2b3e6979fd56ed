// npm run demo -w packages/cluster: a local redis-server, two weft-worker processes standing in for two
// machines, and one CPU-bound job (counting primes) three ways: sequentially, with one machine's
// parallelMap, and with ClusterPool.map over the two workers.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parallelMap } from 'weftjs';
import { ClusterPool } from '../dist/index.js';
import { hasRedisServer, startRedis } from '../test/redis-server.mjs';

if (!hasRedisServer()) {
  console.log('demo: needs redis-server on PATH (apt install redis-server)');
  process.exit(0);
}

/** Primes in [from, from + span): a real CPU-bound item (about 10 ms each here). */
const countPrimes = ([from, span]) => {
  let count = 0;
  for (let n = Math.max(2, from); n < from + span; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
};

const SPAN = 20_000;
const ITEMS = Array.from({ length: 300 }, (_, i) => [i * SPAN, SPAN]);
const WORKERS = 2;
const threads = Math.max(1, Math.floor(availableParallelism() / WORKERS));

const redis = await startRedis();
const key = randomBytes(24).toString('hex');
const bin = fileURLToPath(new URL('../bin/weft-worker.js', import.meta.url));
const workers = [];
for (let i = 0; i < WORKERS; i++) {
  const child = spawn(process.execPath, [bin, '--connection', redis.url, '--queue', 'demo', '--threads', String(threads)], {
    env: { ...process.env, WEFT_CLUSTER_KEY: key },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('ready on queue')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`weft-worker exited (${code}) before it was ready`)));
  });
  workers.push(child);
}
console.log(`redis-server on ${redis.url}; ${WORKERS} weft-worker processes with ${threads} thread(s) each`);

async function time(label, run) {
  const start = performance.now();
  const counts = await run();
  const ms = performance.now() - start;
  const total = counts.reduce((a, b) => a + b, 0);
  return { label, ms, total };
}

const cluster = new ClusterPool({ connection: redis.url, queue: 'demo', key });
try {
  await cluster.map(ITEMS.slice(0, 4), countPrimes); // warm: connections, the workers' pools
  await parallelMap(ITEMS.slice(0, 4), countPrimes);
  const sequential = await time('sequential', async () => ITEMS.map(countPrimes));
  const local = await time('parallelMap (this machine)', () => parallelMap(ITEMS, countPrimes));
  const clustered = await time(`ClusterPool.map (${WORKERS} workers)`, () => cluster.map(ITEMS, countPrimes));
  if (local.total !== sequential.total || clustered.total !== sequential.total) throw new Error('the three runs disagree');
  console.log(`${sequential.total} primes below ${(ITEMS.length * SPAN).toLocaleString('en')}, ${ITEMS.length} items:`);
  for (const r of [sequential, local, clustered]) {
    console.log(`  ${r.label.padEnd(32)} ${r.ms.toFixed(0).padStart(6)} ms  ${(sequential.ms / r.ms).toFixed(2)}x sequential`);
  }
  console.log(`  cluster / parallelMap: ${(local.ms / clustered.ms).toFixed(2)}x (the workers here share this machine's cores)`);
} finally {
  await cluster.close();
  for (const child of workers) child.kill('SIGTERM');
  await Promise.all(workers.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)))));
  await redis.stop();
}
