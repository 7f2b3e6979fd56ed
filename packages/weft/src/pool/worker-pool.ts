/**
 * The set of execution contexts behind `parallelMap`: spawned lazily, up to a
 * fixed size, replaced when they die, and unreferenced while idle so that an
 * idle pool never keeps the process alive.
 *
 * @module
 */
import type { Backend, ExecutionContext } from '../backend/backend.js';
import type { FromWorker, ToWorker } from '../protocol.js';

/** What a job hears from the workers it runs on. */
export interface JobListener {
  message(worker: PoolWorker, message: FromWorker): void;
  exit(worker: PoolWorker, exitCode: number | null, error: unknown): void;
}

/** One live context of the pool. */
export class PoolWorker {
  /** Jobs running on this worker, by job id. */
  readonly jobs = new Map<number, JobListener>();
  alive = true;
  /**
   * Aborted jobs this worker may still be running. While non-zero the worker
   * gets no new work: it either notices the abort and finishes, or is
   * terminated after the grace period.
   */
  retiring = 0;

  constructor(
    readonly id: number,
    private readonly context: ExecutionContext,
  ) {}

  /** Send a message; throws (for example `DataCloneError`) when it cannot be sent. */
  post(message: ToWorker): void {
    this.context.post(message);
  }

  /** Route a job's messages to `listener`; the process stays alive while any job is attached. */
  attach(jobId: number, listener: JobListener): void {
    this.jobs.set(jobId, listener);
    if (this.jobs.size === 1) this.context.ref();
  }

  detach(jobId: number): void {
    if (this.jobs.delete(jobId) && this.jobs.size === 0) this.context.unref();
  }

  terminate(): void {
    this.context.terminate();
  }
}

/** A fixed-size, lazily grown set of workers on one backend. */
export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextWorkerId = 1;
  private nextJobId = 1;

  constructor(
    readonly backend: Backend,
    readonly size: number,
  ) {}

  /** How many workers are started now (for cost estimates: a cold pool pays start-up). */
  get started(): number {
    return this.workers.length;
  }

  /** A fresh job id. */
  jobId(): number {
    return this.nextJobId++;
  }

  /**
   * Up to `count` workers, least busy first, starting new ones while fewer
   * than the pool's size are available (retiring workers do not count).
   */
  take(count: number): PoolWorker[] {
    const available = (): PoolWorker[] => this.workers.filter((w) => w.retiring === 0);
    let usable = available();
    while (usable.length < Math.min(count, this.size)) {
      this.spawn();
      usable = available();
    }
    return usable.sort((a, b) => a.jobs.size - b.jobs.size).slice(0, count);
  }

  /** Stop a worker (stuck or no longer trusted); its jobs hear `exit`, and a later `take` starts a replacement. */
  replace(worker: PoolWorker): void {
    this.remove(worker);
    worker.terminate();
  }

  private remove(worker: PoolWorker): void {
    const at = this.workers.indexOf(worker);
    if (at >= 0) this.workers.splice(at, 1);
  }

  private spawn(): PoolWorker {
    let worker: PoolWorker | undefined = undefined;
    const context = this.backend.spawn({
      message: (message) => {
        if (message.type === 'ready' || !worker) return;
        worker.jobs.get(message.jobId)?.message(worker, message);
      },
      exit: (exitCode, error) => {
        if (!worker) return;
        worker.alive = false;
        this.remove(worker);
        for (const listener of [...worker.jobs.values()]) listener.exit(worker, exitCode, error);
        worker.jobs.clear();
      },
    });
    worker = new PoolWorker(this.nextWorkerId++, context);
    context.unref();
    this.workers.push(worker);
    return worker;
  }
}

const defaultPools = new Map<Backend, WorkerPool>();

/** The lazily created default pool of a backend, sized to the machine's parallelism. */
export function defaultPool(backend: Backend): WorkerPool {
  let pool = defaultPools.get(backend);
  if (!pool) {
    pool = new WorkerPool(backend, Math.max(1, backend.parallelism()));
    defaultPools.set(backend, pool);
  }
  return pool;
}
