// npm run demo -w packages/cluster: a local redis-server, two weft-worker processes standing in for two
// machines, and one CPU-bound job (longest Collatz chains) three ways: sequentially, with one machine's
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

/** The longest Collatz chain started in [from, from + span): a real CPU-bound item (about 5-10 ms each here). */
const longestChain = ([from, span]) => {
  let best = 0;
  let bestStart = from;
  for (let start = Math.max(1, from); start < from + span; start++) {
    let steps = 0;
    for (let n = start; n !== 1; steps++) n = n % 2 === 0 ? n / 2 : 3 * n + 1;
    if (steps > best) {
      best = steps;
      bestStart = start;
    }
  }
  return [bestStart, best];
};

const SPAN = 3_000;
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
  const chains = await run();
  const ms = performance.now() - start;
  const longest = chains.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { label, ms, total: longest.join(' ') };
}

const cluster = new ClusterPool({ connection: redis.url, queue: 'demo', key });
try {
  await cluster.map(ITEMS.slice(0, 4), longestChain); // warm: connections, the workers' pools
  await parallelMap(ITEMS.slice(0, 4), longestChain);
  const sequential = await time('sequential', async () => ITEMS.map(longestChain));
  const local = await time('parallelMap (this machine)', () => parallelMap(ITEMS, longestChain));
  const clustered = await time(`ClusterPool.map (${WORKERS} workers)`, () => cluster.map(ITEMS, longestChain));
  if (local.total !== sequential.total || clustered.total !== sequential.total) throw new Error('the three runs disagree');
  const [start, steps] = sequential.total.split(' ');
  console.log(`longest Collatz chain below ${(ITEMS.length * SPAN).toLocaleString('en')}: ${steps} steps from ${start}; ${ITEMS.length} items of ${SPAN.toLocaleString('en')} starts:`);
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
