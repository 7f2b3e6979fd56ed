/**
 * `Pool`: a work-stealing pool of workers whose scheduling state lives in
 * shared memory. See `pool/README.md` for the protocol and its invariants.
 *
 * @module
 */
import type { ResourceLimits } from '../backend/backend.js';
import { refuseDuringTaskImport } from '../task/task-import-guard.js';
import { mapOnWorkers, type MapFn, type ParallelMapOptions } from '../map/map-on-workers.js';
import { backendChoice, expectsNativeBackend, resolveBackend, type BackendChoice } from '../backend/select-backend.js';
import { AbortError, PoolClosedError, QueueFullError } from '../errors.js';
import { checkFunction, checkInteger, checkSignal, describeValue } from '../validate.js';
import { CallerScheduler, type RunningPool } from './caller-scheduler.js';
import { CALLER_LOCK_OWNER, FunctionTable } from '../sched/function-table.js';
import type { PoolStats } from './pool-stats.js';
import { defaultSizes, epochNow, Header, SchedulerMemory, Slot, SlotFlag, TaskState } from '../sched/scheduler-memory.js';
import { WorkerPool } from '../backend/worker-pool.js';
import { deadThreadsBuffer } from '../sync/dead-threads.js';
import { createIdentityHeap } from '../sched/identity-heap.js';
import { slotTransport } from '../sched/slot-transport.js';
import { shipTask } from './ship-task.js';
import { wakeAll } from '../sched/sleep.js';
import { newTaskRecord, taskPromise } from './task-record.js';

/** Options of {@link Pool}. */
export interface PoolOptions {
  /** Number of workers. Default: the machine's available parallelism. */
  readonly size?: number;
  /** Most tasks that may wait to start; `run` rejects with {@link QueueFullError} beyond it. Default: unbounded. */
  readonly maxQueue?: number;
  /** Keep run/wait time percentiles in {@link Pool.stats}. Default: true. */
  readonly recordTiming?: boolean;
  /** `'workers'`, `'native'` or `'auto'` (default: `WEFT_BACKEND`, else auto-detect). */
  readonly backend?: BackendChoice;
  /** How long (ms) a cancelled or timed-out task may keep running before its worker is replaced. Default: 1000. */
  readonly cancelGracePeriod?: number;
  /**
   * Heap and stack limits of each worker (Node's `resourceLimits`; ignored
   * where the platform has none). A worker that runs out of memory fails its
   * task with a {@link WorkerExitError} and is replaced.
   */
  readonly resourceLimits?: ResourceLimits;
}

/** The parameters of a task before its trailing `AbortSignal` (which {@link Pool.runWith} appends). */
export type ArgsBeforeSignal<P extends unknown[]> = P extends [...infer A, AbortSignal] ? A : P;

/** Per-task options of {@link Pool.runWith}. */
export interface RunOptions {
  /** Aborting rejects the task with an `AbortError` and sets the task's own signal; see {@link Pool.runWith}. */
  readonly signal?: AbortSignal;
  /** Milliseconds the task may run, counted from when it starts; then it is cancelled like an abort. */
  readonly timeout?: number;
}

const WHERE = 'Pool';
const RUN_WHERE = `${WHERE}.run`;

/** `Pool.run`'s options: none. */
const NO_OPTIONS: RunOptions = Object.freeze({});

/**
 * A pool of workers that run tasks, with work stealing and fork-join.
 *
 * Tasks are submitted through shared memory (no message per task): the
 * caller writes the task into a slot and pushes it onto the injector queue;
 * workers take tasks from their own deque, the injector, or steal from each
 * other; the caller learns of completions with `Atomics.waitAsync`. Inside a
 * task, {@link fork} and {@link join} split work further without a round trip
 * to the calling thread.
 *
 * A worker that dies fails only the task it was running (with a
 * {@link WorkerExitError}) and is replaced. Idle workers never keep the
 * process alive.
 *
 * @example
 * ```ts
 * import { Pool } from 'weftjs';
 *
 * await using pool = new Pool({ size: 4 });
 * const square = (x: number) => x * x;
 * console.log(await pool.run(square, 7)); // 49
 * console.log(await pool.map([1, 2, 3], (x) => x + 1)); // [2, 3, 4]
 * ```
 */
export class Pool {
  /** The size asked for, or `undefined` for the machine's parallelism. */
  private readonly requestedSize: number | undefined;
  private readonly maxQueue: number;
  private readonly recordTiming: boolean;
  private readonly grace: number;
  private readonly choice: BackendChoice;
  private readonly resourceLimits: ResourceLimits | undefined;
  /** Slots, backlog, completions, cancellation and recovery: the calling thread's half of the pool. */
  private readonly scheduler: CallerScheduler;
  private running: RunningPool | undefined;
  private starting: Promise<RunningPool> | undefined;
  private state: 'open' | 'closing' | 'closed' = 'open';

  /**
   * @example
   * ```ts
   * const pool = new Pool({ size: 2, maxQueue: 1000 });
   * ```
   */
  constructor(options: PoolOptions = {}) {
    refuseDuringTaskImport(WHERE);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${WHERE}: options must be an object, received ${describeValue(options)}`);
    }
    this.requestedSize = options.size === undefined ? undefined : checkInteger(WHERE, 'size', options.size, 1, 1024);
    this.maxQueue = options.maxQueue === undefined ? Infinity : checkInteger(WHERE, 'maxQueue', options.maxQueue, 0);
    if (options.recordTiming !== undefined && typeof options.recordTiming !== 'boolean') {
      throw new TypeError(`${WHERE}: recordTiming must be a boolean, received ${describeValue(options.recordTiming)}`);
    }
    this.recordTiming = options.recordTiming ?? true;
    this.grace = options.cancelGracePeriod === undefined ? 1_000 : checkInteger(WHERE, 'cancelGracePeriod', options.cancelGracePeriod, 0);
    this.choice = backendChoice(WHERE, options.backend);
    if (options.resourceLimits !== undefined) {
      const limits = options.resourceLimits;
      if (typeof limits !== 'object' || limits === null) {
        throw new TypeError(`${WHERE}: resourceLimits must be an object, received ${describeValue(limits)}`);
      }
      for (const key of ['maxOldGenerationSizeMb', 'maxYoungGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'] as const) {
        if (limits[key] !== undefined) checkInteger(WHERE, `resourceLimits.${key}`, limits[key], 1);
      }
    }
    this.resourceLimits = options.resourceLimits;
    this.scheduler = new CallerScheduler({ where: WHERE, grace: this.grace, recordTiming: this.recordTiming });
  }

  /** The worker pool behind this Pool (shared with `map`). Starts the backend on first use. */
  private async start(): Promise<RunningPool> {
    if (this.running) return this.running;
    this.starting ??= (async () => {
      const backend = await resolveBackend(this.choice);
      const size = this.requestedSize ?? Math.max(1, backend.parallelism());
      const sizes = defaultSizes(size);
      const memory = SchedulerMemory.create(sizes);
      const heap = backend.kind === 'native' ? createIdentityHeap(sizes.slots) : undefined;
      const scheduler = this.scheduler;
      const workers = new WorkerPool(backend, size, {
        init: (index) => ({
          type: 'init',
          memory: memory.buffer,
          sizes,
          index,
          deadThreads: deadThreadsBuffer(),
          ...(heap ? { heap } : { buffers: scheduler.buffers.entries() }),
        }),
        message: (worker, message) => scheduler.onMessage(worker, message),
        exit: (worker, code, error) => scheduler.onWorkerExit(worker, code, error),
        // A worker asleep in a blocking wait cannot take a message until WakeSeq moves; the count, bumped
        // first, tells a worker about to sleep that a message is waiting (sched/scheduler-memory.ts).
        posted: (index) => {
          Atomics.add(memory.words, memory.postedWord(index), 1);
          wakeAll(memory.words);
        },
      }, this.resourceLimits ? { resourceLimits: this.resourceLimits } : {});
      this.running = {
        backend,
        workers,
        memory,
        table: new FunctionTable(memory, CALLER_LOCK_OWNER),
        injector: memory.injector,
        completions: memory.completions,
        transport: slotTransport(memory, heap),
      };
      scheduler.attach(this.running);
      return this.running;
    })();
    return this.starting;
  }

  /** @internal The workers, for `map`. */
  async workerPool(): Promise<WorkerPool> {
    return (await this.start()).workers;
  }

  /** @internal The workers once started, without waiting (a call on a warm pool saves its awaits); else undefined. */
  startedWorkerPool(): WorkerPool | undefined {
    return this.running?.workers;
  }

  /**
   * Run `fn(...args)` on a worker. `fn` follows the rules of
   * {@link parallelMap}'s function: it captures nothing, or it is a module
   * function from {@link defineTask}. On workers, arguments and the result
   * are copied (typed arrays on `SharedArrayBuffer` and shareable primitives
   * are shared); on the native backend any closure runs and values pass by
   * identity.
   *
   * @typeParam A - the argument types.
   * @typeParam R - the return type (a promise's value when async).
   * @throws TypeError at the call when `fn` cannot be sent or an argument cannot be copied.
   *
   * @example
   * ```ts
   * const pool = new Pool();
   * const sum = await pool.run((a: number, b: number) => a + b, 2, 3); // 5
   * const scale = 10;
   * // On workers, a function that refers to an outer variable (scale) is refused at the call;
   * // pass it as an argument instead:
   * const scaled = await pool.run((x: number, k: number) => x * k, 4, scale); // 40
   * ```
   */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>> {
    return this.submit(fn, args, NO_OPTIONS) as Promise<Awaited<R>>;
  }

  /**
   * Like {@link Pool.run}, with per-task options. When a `signal` or a
   * `timeout` is given, the task receives an `AbortSignal` as an extra last
   * argument: a synchronous task can poll `signal.aborted` (it reads shared
   * memory, so it turns true while the task runs), an asynchronous one can
   * also listen for `abort`. The returned promise rejects at once on abort
   * ({@link AbortError}) or timeout ({@link TaskTimeoutError}); a task that
   * keeps running past the pool's `cancelGracePeriod` has its worker
   * terminated and replaced.
   *
   * @typeParam F - the function; its parameters are the arguments, then the `AbortSignal`.
   *
   * @example
   * ```ts
   * const pool = new Pool();
   * const count = (limit: number, signal: AbortSignal) => {
   *   let n = 0;
   *   while (n < limit && !signal.aborted) n++;
   *   return n;
   * };
   * const n = await pool.runWith({ timeout: 1_000 }, count, 1e7);
   * ```
   */
  runWith<F extends (...args: never[]) => unknown>(options: RunOptions, fn: F, ...args: ArgsBeforeSignal<Parameters<F>>): Promise<Awaited<ReturnType<F>>> {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${WHERE}.runWith: options must be an object, received ${describeValue(options)}`);
    }
    if (options.signal !== undefined) checkSignal(`${WHERE}.runWith`, options.signal);
    if (options.timeout !== undefined) checkInteger(`${WHERE}.runWith`, 'timeout', options.timeout, 0);
    return this.submit(fn, args, options) as Promise<Awaited<ReturnType<F>>>;
  }

  /**
   * `parallelMap` on this pool's workers.
   *
   * @typeParam T - the item type.
   * @typeParam R - the result type.
   * @typeParam C - the context type.
   *
   * @example
   * ```ts
   * const pool = new Pool({ size: 2 });
   * const lengths = await pool.map(['a', 'bb'], (s) => s.length); // [1, 2]
   * ```
   */
  map<T, R, C = undefined>(items: Iterable<T> | ArrayLike<T>, fn: MapFn<T, R, C>, options: PoolMapOptions<C> = {}): Promise<Awaited<R>[]> {
    if (this.state !== 'open') return Promise.reject(new PoolClosedError(`${WHERE}.map: the pool is ${this.state}`));
    return mapOnPool(this, this.choice, items, fn, options);
  }

  private submit(fn: unknown, args: unknown[], options: RunOptions): Promise<unknown> {
    const where = RUN_WHERE;
    checkFunction(where, 'fn', fn);
    if (this.state !== 'open') return Promise.reject(new PoolClosedError(`${where}: the pool is ${this.state}; no new tasks are accepted`));
    let flags = SlotFlag.TopLevel;
    if (options.signal || options.timeout !== undefined) flags |= SlotFlag.Signal;
    if (options.timeout !== undefined) flags |= SlotFlag.ReportStart;
    const scheduler = this.scheduler;
    const record = newTaskRecord(fn, args, flags, this.recordTiming ? epochNow() : 0, options.timeout);
    // Shared-heap threads take the closure and its arguments as they are; workers need them shipped.
    if (!this.sharedHeap()) shipTask(record, where);
    if (this.maxQueue !== Infinity && scheduler.queuedCount() >= this.maxQueue) {
      return Promise.reject(new QueueFullError(`${where}: the queue is full (maxQueue ${this.maxQueue}); wait for pool.drained() before submitting more`, this.maxQueue));
    }
    const promise = taskPromise(record);
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) {
        record.reject(new AbortError(`${where}: aborted before it started`, signal.reason));
        return promise;
      }
      const onAbort = (): void => scheduler.cancel(record, new AbortError(`${where}: aborted`, signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      record.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    scheduler.enqueue(record);
    if (!this.running) void this.start().catch((err: unknown) => scheduler.settle(record, false, err));
    return promise;
  }

  /**
   * Whether tasks go to shared-heap threads (by identity): the backend once
   * started, else the choice in force (auto picks native where the Thread API
   * exists; a failed probe is handled in the scheduler's flush).
   */
  private sharedHeap(): boolean {
    if (this.running) return this.running.transport.byIdentity;
    return expectsNativeBackend(this.choice);
  }

  /**
   * Resolves once no task waits to start (all are running or done): the way
   * to apply backpressure with `maxQueue`.
   *
   * @example
   * ```ts
   * const pool = new Pool({ maxQueue: 100 });
   * for (const job of jobs) {
   *   if (pool.stats.queued >= 100) await pool.drained();
   *   void pool.run(work, job);
   * }
   * ```
   */
  drained(): Promise<void> {
    return this.scheduler.drained();
  }

  /** A snapshot of the pool's counters and timings. */
  get stats(): PoolStats {
    const memory = this.running?.memory;
    const { recordTiming, scheduler } = this;
    const { inSlots, runTimes, waitTimes } = scheduler;
    // Counters are read now; what costs more (a scan of the slots, sorting samples) only when read.
    return {
      workers: this.running?.workers.started ?? 0,
      queued: scheduler.queuedCount(),
      get running(): number {
        let running = 0;
        if (memory) {
          for (const slot of inSlots.keys()) {
            if (Atomics.load(memory.words, memory.slotWord(slot) + Slot.State) === TaskState.Running) running++;
          }
        }
        return running;
      },
      completed: scheduler.completedCount,
      failed: scheduler.failedCount,
      stolen: memory ? Atomics.load(memory.words, Header.Stolen) : 0,
      replaced: this.running?.workers.lost ?? 0,
      get runTime() {
        return recordTiming ? runTimes.summary() : undefined;
      },
      get waitTime() {
        return recordTiming ? waitTimes.summary() : undefined;
      },
    };
  }

  /**
   * Finish every task already submitted, then stop the workers. New tasks are
   * refused. Always resolves.
   *
   * @example
   * ```ts
   * const pool = new Pool();
   * void pool.run((x: number) => x * 2, 21);
   * await pool.close(); // the task above finishes first
   * ```
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closing';
    await this.scheduler.idle();
    await this.shutdown();
  }

  /**
   * Stop now: pending and running tasks reject with {@link PoolClosedError};
   * workers are terminated, also when stuck. Always resolves.
   *
   * @example
   * ```ts
   * const pool = new Pool();
   * const stuck = pool.run(() => { for (;;) {} });
   * await pool.terminate(); // `stuck` rejects with PoolClosedError
   * ```
   */
  async terminate(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closing';
    const error = new PoolClosedError(`${WHERE}: the pool was terminated`);
    this.scheduler.rejectAll(error);
    await this.shutdown();
  }

  private async shutdown(): Promise<void> {
    this.state = 'closed';
    await this.scheduler.shutdown(this.running ?? this.starting?.catch(() => undefined));
  }

  /** `await using pool = new Pool()` closes the pool at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Options of {@link Pool.map}: those of `parallelMap`, without `backend` (the pool has one). */
export type PoolMapOptions<C> = Omit<ParallelMapOptions<C>, 'backend'>;

/** `parallelMap` on `pool`'s workers; functions are checked for the pool's own backend choice, not the default one. */
function mapOnPool<T, R, C>(pool: Pool, choice: BackendChoice, items: Iterable<T> | ArrayLike<T>, fn: MapFn<T, R, C>, options: PoolMapOptions<C>): Promise<Awaited<R>[]> {
  const withChoice = typeof options === 'object' && options !== null ? { ...options, backend: choice } : options;
  return mapOnWorkers(`${WHERE}.map`, () => pool.workerPool(), items, fn, withChoice);
}
