// A hand-written BullMQ processor, as a user writes one today: JSON job data, the item function inline,
// one job per item ({ x }) or a chunk per job ({ items }). argv: redis URL, queue name. Prints READY.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { kernel } from '../workloads.mjs';

const [url, queue] = process.argv.slice(2);
const work = (x, iterations) => (iterations === 0 ? x + 1 : kernel(x, 0, { iterations }));
const worker = new Worker(
  queue,
  async (job) => {
    const { items, x, iterations } = job.data;
    return items ? items.map((item) => work(item, iterations)) : work(x, iterations);
  },
  { connection: new Redis(url, { maxRetriesPerRequest: null }), concurrency: 1 },
);
await worker.waitUntilReady();
console.log('READY');
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
