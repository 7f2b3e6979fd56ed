/**
 * A worker machine: a BullMQ `Worker` on the queue whose processor verifies
 * each job's signature and runs its items on a local Weft `Pool`.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Pool } from 'weftjs';
import { closeClient, createClient } from './connection.js';
import { machineName } from './machine.js';
import { resolveShared, checkInteger, describe, type SharedOptions } from './options.js';
import { cancelChannel, callOfJobId, PROTOCOL_VERSION, type JobResult } from './protocol.js';
import { runChunk } from './run-chunk.js';
import { within } from './within.js';
import { signResult, verifyJob } from './sign.js';

/**
 * Options of {@link startWorker} (the flags of `weft-worker`).
 *
 * @example
 * ```ts
 * const options: WorkerOptions = { connection: 'redis://10.0.0.5:6379', queue: 'thumbnails', threads: 8, root: '/srv/app' };
 * ```
 */
export interface WorkerOptions extends SharedOptions {
  /** Threads of the local Weft pool. Default: the machine's available parallelism. */
  readonly threads?: number;
  /** Where module tasks are looked for (their paths are relative to the caller's project root). Default: the working directory. */
  readonly root?: string;
  /** Jobs this worker runs at once, each over the whole pool. Default: 1. */
  readonly concurrency?: number;
  /** How long (ms) a job's lock lasts without renewal; a dead worker's job is re-run after it. Default: 30000. */
  readonly lockDuration?: number;
  /** How often (ms) this worker looks for stalled jobs (locks that expired) to re-queue. Default: 30000. */
  readonly stalledInterval?: number;
  /** How often a job may be re-queued after stalling before it fails. Default: 2. */
  readonly maxStalledCount?: number;
  /** Where refusals and failures are logged. Default: `console.error`. */
  readonly log?: (line: string) => void;
}

/**
 * A running worker, from {@link startWorker}.
 *
 * @example
 * ```ts
 * const worker: ClusterWorker = await startWorker(options);
 * console.log(worker.machine, worker.processed);
 * await worker.close();
 * ```
 */
export interface ClusterWorker {
  /** `host:pid`, as errors and logs name this worker. */
  readonly machine: string;
  /** Jobs refused so far (unsigned or forged). */
  readonly refused: number;
  /** Jobs run so far. */
  readonly processed: number;
  /** Stop taking jobs, let running ones finish (at most `lockDuration`), close the pool and connections. Always resolves. */
  close(): Promise<void>;
}

/**
 * Start a worker: take jobs from the queue and run their items on a local
 * Weft pool of `threads` threads. Resolves once it is connected and waiting
 * for jobs. Jobs that are unsigned or signed with another key are refused,
 * logged, and nothing from them runs.
 *
 * @throws TypeError or RangeError at the call for bad options.
 *
 * @example
 * ```ts
 * import { startWorker } from 'weftjs-cluster';
 * const worker = await startWorker({ connection: 'redis://10.0.0.5:6379', queue: 'thumbnails', threads: 8 });
 * process.on('SIGTERM', () => void worker.close());
 * ```
 */
export function startWorker(options: WorkerOptions): Promise<ClusterWorker> {
  return launch(resolveWorker(options));
}

type WorkerConfig = ReturnType<typeof resolveWorker>;

/** The options after checks (thrown at the call, before anything connects). */
function resolveWorker(options: WorkerOptions) {
  const where = 'startWorker';
  const shared = resolveShared(where, options);
  const threads = options.threads === undefined ? availableParallelism() : checkInteger(where, 'threads', options.threads, 1, 1024);
  const concurrency = options.concurrency === undefined ? 1 : checkInteger(where, 'concurrency', options.concurrency, 1, 1024);
  const lockDuration = options.lockDuration === undefined ? 30_000 : checkInteger(where, 'lockDuration', options.lockDuration, 100);
  const stalledInterval = options.stalledInterval === undefined ? 30_000 : checkInteger(where, 'stalledInterval', options.stalledInterval, 100);
  const maxStalledCount = options.maxStalledCount === undefined ? 2 : checkInteger(where, 'maxStalledCount', options.maxStalledCount, 0, 100);
  if (options.root !== undefined && (typeof options.root !== 'string' || options.root === '')) {
    throw new TypeError(`${where}: root must be a non-empty path, received ${describe(options.root)}`);
  }
  if (options.log !== undefined && typeof options.log !== 'function') {
    throw new TypeError(`${where}: log must be a function, received ${describe(options.log)}`);
  }
  const root = resolve(options.root ?? process.cwd());
  const log = options.log ?? ((line: string) => console.error(line));
  return { shared, threads, concurrency, lockDuration, stalledInterval, maxStalledCount, root, log };
}

async function launch(config: WorkerConfig): Promise<ClusterWorker> {
  const { shared, threads, concurrency, lockDuration, stalledInterval, maxStalledCount, root, log } = config;
  const machine = machineName();
  const { key, queue, prefix } = shared;

  const pool = new Pool({ size: threads });
  const running = new Map<string, Set<AbortController>>();
  const counts = { refused: 0, processed: 0 };

  const subscriber = createClient(shared.connection, `weft-worker-cancel:${machine}`);
  subscriber.on('error', () => {}); // reconnects on its own; the Worker reports connection trouble
  subscriber.on('message', (_channel: string, call: string) => {
    for (const controller of running.get(call) ?? []) controller.abort(new Error(`call ${call} was cancelled by its caller`));
  });
  await subscriber.subscribe(cancelChannel(prefix, queue));

  const processor = async (job: Job): Promise<JobResult> => {
    const jobId = job.id ?? '';
    if (!verifyJob(key, queue, jobId, job.data)) {
      counts.refused++;
      log(`weft-worker ${machine}: refused job ${jobId} on queue ${queue}: unsigned or signed with another key; nothing from it was run`);
      throw new UnrecoverableError(`weft-refused: job ${jobId} is unsigned or signed with another key (refused by ${machine})`);
    }
    const call = callOfJobId(jobId) ?? jobId;
    const controller = new AbortController();
    let set = running.get(call);
    if (!set) running.set(call, (set = new Set()));
    set.add(controller);
    try {
      const outcome = await runChunk(pool, job.data, root, machine, controller.signal);
      counts.processed++;
      if (outcome.kind === 'failed' || outcome.kind === 'refused') log(`weft-worker ${machine}: job ${jobId}: ${outcome.kind}`);
      const result = { v: PROTOCOL_VERSION, outcome, machine } as const;
      return { ...result, sig: signResult(key, queue, jobId, result) };
    } finally {
      set.delete(controller);
      if (set.size === 0) running.delete(call);
    }
  };

  const client = createClient(shared.connection, `weft-worker:${machine}`);
  const worker = new Worker(queue, processor, {
    connection: client,
    prefix,
    concurrency,
    lockDuration,
    stalledInterval,
    maxStalledCount,
    name: machine,
  });
  worker.on('error', (err) => log(`weft-worker ${machine}: ${err.message}`));
  await worker.waitUntilReady();

  let closing: Promise<void> | undefined;
  return {
    machine,
    get refused() {
      return counts.refused;
    },
    get processed() {
      return counts.processed;
    },
    close() {
      closing ??= (async () => {
        // Running jobs may finish for up to lockDuration (after it, another worker runs them anyway).
        if (!(await within(worker.close(), lockDuration))) await within(worker.close(true), 1_000);
        await within(pool.close(), 5_000);
        await Promise.all([closeClient(client), closeClient(subscriber)]);
      })();
      return closing;
    },
  };
}
