/**
 * The execution contexts behind a Pool: spawned lazily up to a fixed size,
 * each holding a stable index (its work deque), replaced when they die, and
 * unreferenced while idle so that an idle pool never keeps the process alive.
 *
 * @module
 */
import type { Backend, ExecutionContext, SpawnOptions } from './backend.js';
import type { FromWorker, ToWorker } from '../protocol.js';
import { markThreadDead } from '../sync/dead-threads.js';

/** What a job hears from the workers it runs on. */
export interface JobListener {
  message(worker: PoolWorker, message: FromWorker): void;
  exit(worker: PoolWorker, exitCode: number | null, error: unknown): void;
}

/** Pool-level hooks: the first message a new worker gets, and what to do when one dies. */
export interface WorkerPoolHooks {
  /** The message that initialises a worker at `index` (sent before any job). */
  init(index: number): ToWorker;
  /** Messages not addressed to a map job (task starts, large results). */
  message(worker: PoolWorker, message: FromWorker): void;
  /** A worker is gone; called before its jobs hear about it. */
  exit(worker: PoolWorker, exitCode: number | null, error: unknown): void;
  /** A message was posted to worker `index`: count it, and wake the worker if it sleeps in a blocking wait. */
  posted(index: number): void;
}

/** One live context of the pool. */
export class PoolWorker {
  /** Map jobs running on this worker, by job id. */
  readonly jobs = new Map<number, JobListener>();
  alive = true;
  /**
   * Aborted work this worker may still be running. While non-zero the worker
   * gets no new map jobs: it either notices the abort and finishes, or is
   * terminated after the grace period.
   */
  retiring = 0;
  /** The worker's thread id (from its `ready` message); 0 until then. */
  threadId = 0;
  /** Reasons to keep the process alive for this worker (map jobs + tasks). */
  private refs = 0;

  constructor(
    /** Stable position in the pool: the worker's deque, kept by its replacement. */
    readonly index: number,
    private readonly context: ExecutionContext,
    private readonly posted: (index: number) => void,
  ) {}

  /** Send a message; throws (for example `DataCloneError`) when it cannot be sent. */
  /** Post `message`; the buffers in `transfer` are moved, not cloned. */
  post(message: ToWorker, transfer?: readonly ArrayBuffer[]): void {
    this.context.post(message, transfer);
    this.posted(this.index);
  }

  /** Keep the process alive while this worker has work. */
  hold(): void {
    if (this.refs++ === 0) this.context.ref();
  }

  /** Let the process exit once this worker has no work. */
  release(): void {
    if (this.refs > 0 && --this.refs === 0) this.context.unref();
  }

  /** Route a map job's messages to `listener`. */
  attach(jobId: number, listener: JobListener): void {
    this.jobs.set(jobId, listener);
    this.hold();
  }

  detach(jobId: number): void {
    if (this.jobs.delete(jobId)) this.release();
  }

  /** Why Weft terminated this worker, when it did: reported with its exit (Node says only "code 1"). */
  stopReason: Error | undefined;

  /** Stop the worker; `reason` says why, in the exit error its jobs and tasks get. */
  terminate(reason?: string): void {
    if (reason !== undefined) this.stopReason ??= new Error(`Weft terminated the worker: ${reason}`);
    this.context.terminate();
  }
}

/** A worker that has not said `ready` after this long (ms) is terminated, so that no task waits on it forever. */
export const STARTUP_TIMEOUT_MS = 30_000;

/** A fixed-size, lazily grown set of workers on one backend. */
export class WorkerPool {
  private readonly workers: (PoolWorker | undefined)[] = [];
  private nextJobId = 1;
  private closed = false;
  private availableWaiters: (() => void)[] = [];

  constructor(
    readonly backend: Backend,
    readonly size: number,
    private readonly hooks: WorkerPoolHooks,
    private readonly spawnOptions: SpawnOptions = {},
  ) {}

  /**
   * Workers lost while the pool was open: they died (crashed, exited) or were
   * stopped by {@link WorkerPool.replace}, counted when that is called. Each
   * is replaced when work needs it.
   */
  lost = 0;

  /** How many workers are started now (for cost estimates: a cold pool pays start-up). */
  get started(): number {
    return this.live().length;
  }

  /** The live workers. */
  live(): PoolWorker[] {
    return this.workers.filter((w): w is PoolWorker => w !== undefined);
  }

  /** The worker at `index`, starting it if needed. */
  at(index: number): PoolWorker {
    return this.workers[index] ?? this.spawn(index);
  }

  /** A fresh job id. */
  jobId(): number {
    return this.nextJobId++;
  }

  /** Start every worker the pool may have. */
  fill(): void {
    for (let i = 0; i < this.size; i++) this.at(i);
  }

  /**
   * Up to `count` workers for a map job, least busy first. Retiring workers
   * (still running aborted work) are skipped.
   */
  take(count: number): PoolWorker[] {
    this.fill();
    return this.live()
      .filter((w) => w.retiring === 0)
      .sort((a, b) => a.jobs.size - b.jobs.size)
      .slice(0, count);
  }

  /** Resolves when a worker may have become available for map jobs (one was started, or stopped retiring). */
  whenAvailable(): Promise<void> {
    return new Promise((resolve) => this.availableWaiters.push(resolve));
  }

  /** Wake callers of {@link WorkerPool.whenAvailable}. */
  notifyAvailable(): void {
    const waiters = this.availableWaiters;
    this.availableWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Stop a worker (stuck or no longer trusted); its jobs hear `exit`, with `reason`, and a replacement starts. */
  replace(worker: PoolWorker, reason: string): void {
    if (worker.alive && worker.stopReason === undefined && !this.closed) this.lost++;
    worker.terminate(reason);
  }

  /** Stop every worker; no replacements are started. Resolves once all have exited (or after `timeoutMs`). */
  async terminateAll(timeoutMs = 5_000): Promise<void> {
    this.closed = true;
    const exits = this.live().map(
      (w) =>
        new Promise<void>((resolve) => {
          w.jobs.set(-1, { message: () => undefined, exit: () => resolve() });
          w.terminate();
        }),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([Promise.all(exits), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }

  private spawn(index: number): PoolWorker {
    if (this.closed) throw new Error('internal: spawn after terminateAll');
    let worker: PoolWorker | undefined = undefined;
    const startup = setTimeout(() => {
      if (worker) this.replace(worker, `it did not start within ${STARTUP_TIMEOUT_MS} ms`);
    }, STARTUP_TIMEOUT_MS);
    (startup as { unref?: () => void }).unref?.();
    const context = this.backend.spawn({
      message: (message) => {
        if (!worker) return;
        if ('jobId' in message) worker.jobs.get(message.jobId)?.message(worker, message);
        else if (message.type === 'ready') {
          clearTimeout(startup);
          worker.threadId = message.threadId;
        } else this.hooks.message(worker, message);
      },
      exit: (exitCode, cause) => {
        clearTimeout(startup);
        if (!worker) return;
        const error = cause ?? worker.stopReason;
        const dead = worker;
        // First of all: locks it held are poisoned, so their waiters stop waiting.
        if (dead.threadId !== 0) markThreadDead(dead.threadId);
        dead.alive = false;
        if (this.workers[dead.index] === dead) this.workers[dead.index] = undefined;
        if (!this.closed && dead.stopReason === undefined) this.lost++;
        if (!this.closed) this.hooks.exit(dead, exitCode, error);
        for (const listener of [...dead.jobs.values()]) listener.exit(dead, exitCode, error);
        dead.jobs.clear();
      },
    }, this.spawnOptions);
    worker = new PoolWorker(index, context, this.hooks.posted);
    context.unref();
    this.workers[index] = worker;
    worker.post(this.hooks.init(index));
    this.notifyAvailable();
    return worker;
  }
}
