/**
 * `ClusterPool`: Weft's `map` and `run` over many machines. Items are cut
 * into chunks, each chunk is one signed BullMQ job, and worker machines
 * (`weft-worker`) run each job's items on their own Weft pool.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { AbortError, PoolClosedError } from 'weftjs';
import { encodeValue } from 'weftjs/wire';
import { chunkItems } from './chunk-items.js';
import { ClusterCall, type QueuedChunk } from './cluster-call.js';
import { ClusterLink } from './cluster-link.js';
import { finishTask, prepareTask, type PreparedTask } from './describe-task.js';
import { ClusterError } from './errors.js';
import { checkInteger, describe, resolveShared, type Resolved, type SharedOptions } from './options.js';
import { callOfJobId, cancelChannel, jobIdOf, PROTOCOL_VERSION, type JobData } from './protocol.js';
import { signJob, verifyResult } from './sign.js';
import { within } from './within.js';

/**
 * Options of {@link ClusterPool}.
 *
 * @example
 * ```ts
 * const options: ClusterPoolOptions = { connection: 'redis://10.0.0.5:6379', queue: 'thumbnails', chunkSize: 50 };
 * ```
 */
export interface ClusterPoolOptions extends SharedOptions {
  /** Items per job. Default: adaptive (about 64 jobs per call, at most 10,000 items or 512 KiB each). */
  readonly chunkSize?: number;
  /** How often (ms) the pool checks that Redis is reachable and still holds its jobs. Default: 1000. */
  readonly checkInterval?: number;
  /** How long (ms) Redis may stay unreachable before calls in flight reject with a {@link ClusterError}. Default: 30000. */
  readonly connectionTimeout?: number;
  /** How long (ms) `close()` lets calls in flight finish before it cancels them. Default: 10000. */
  readonly closeTimeout?: number;
  /** Where the pool reports results it ignores (bad signatures). Default: `console.warn`. */
  readonly log?: (line: string) => void;
}

/**
 * Options of {@link ClusterPool.map}.
 *
 * @example
 * ```ts
 * const options: ClusterMapOptions<{ width: number }> = { context: { width: 128 }, onProgress: (done, total) => console.log(done, total) };
 * ```
 */
export interface ClusterMapOptions<C = undefined> {
  /** Values the function receives as its third argument; sent with every job, in Weft's codec. */
  readonly context?: C;
  /** Items per job, for this call. Default: the pool's `chunkSize`. */
  readonly chunkSize?: number;
  /** Aborting rejects the call with an `AbortError`, removes its queued jobs and asks running ones to stop. */
  readonly signal?: AbortSignal;
  /** Called as jobs finish, with the number of items done so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * The function {@link ClusterPool.map} runs for each item: capture-free, or a module task.
 * `index` is the item's position in the whole input.
 *
 * @example
 * ```ts
 * const scale: ClusterMapFn<number, number, { k: number }> = (x, _index, ctx) => x * ctx.k;
 * ```
 */
export type ClusterMapFn<T, R, C> = (item: T, index: number, context: C) => R | PromiseLike<R>;

const WHERE = 'ClusterPool';

function toIndexable(where: string, items: unknown): ArrayLike<unknown> {
  if (Array.isArray(items)) return items;
  if (ArrayBuffer.isView(items) && !(items instanceof DataView)) return items as unknown as ArrayLike<unknown>;
  if (items !== null && items !== undefined && typeof (items as Iterable<unknown>)[Symbol.iterator] === 'function') return Array.from(items as Iterable<unknown>);
  throw new TypeError(`${where}: items must be an iterable or an array, received ${describe(items)}`);
}

/**
 * A pool whose workers are other machines: `map` and `run` as on one
 * machine's Weft `Pool`, over a BullMQ queue on Redis. Start `weft-worker`
 * (or {@link startWorker}) on each machine with the same connection, queue
 * and key.
 *
 * Delivery is at least once (a job whose worker dies is run again
 * elsewhere) and results are exactly once, in input order. An idle pool does
 * not keep the process alive.
 *
 * @example
 * ```ts
 * import { ClusterPool } from 'weftjs-cluster';
 *
 * const cluster = new ClusterPool({ connection: 'redis://10.0.0.5:6379', queue: 'thumbnails' }); // key: WEFT_CLUSTER_KEY
 * const sizes = await cluster.map(files, resize, { onProgress: (done, total) => bar.update(done / total) });
 * const three = await cluster.run((a: number, b: number) => a + b, 1, 2);
 * await cluster.close();
 * ```
 */
export class ClusterPool {
  private readonly shared: Resolved;
  private readonly chunkSize: number | undefined;
  private readonly checkInterval: number;
  private readonly connectionTimeout: number;
  private readonly closeTimeout: number;
  private readonly log: (line: string) => void;
  private readonly id = randomBytes(6).toString('hex');
  private link: ClusterLink | undefined;
  /** The last error a connection reported, for messages. */
  private lastError: Error | undefined;
  private readonly calls = new Map<string, ClusterCall>();
  private state: 'open' | 'closing' | 'closed' = 'open';
  private closing: Promise<void> | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  /**
   * The link a data check is running on. Only the data check is one at a time: the reachability check
   * runs on every tick, because a command sent just before Redis went away waits (ioredis holds it until
   * it reconnects), and a call must still fail after `connectionTimeout` then.
   */
  private checking: ClusterLink | undefined;
  /** When that data check started: one unanswered for `connectionTimeout` counts as Redis unreachable (a hung server). */
  private checkStartedAt = 0;
  private lostSince: number | undefined;
  private nextCall = 0;
  /** Resolved when no call is in flight (close waits on them). */
  private drainWaiters: (() => void)[] = [];

  /**
   * @example
   * ```ts
   * const cluster = new ClusterPool({ connection: { host: '10.0.0.5', password: process.env.REDIS_PASSWORD }, queue: 'thumbnails', key });
   * ```
   */
  constructor(options: ClusterPoolOptions) {
    this.shared = resolveShared(WHERE, options);
    this.chunkSize = options.chunkSize === undefined ? undefined : checkInteger(WHERE, 'chunkSize', options.chunkSize, 1);
    this.checkInterval = options.checkInterval === undefined ? 1_000 : checkInteger(WHERE, 'checkInterval', options.checkInterval, 10);
    this.connectionTimeout = options.connectionTimeout === undefined ? 30_000 : checkInteger(WHERE, 'connectionTimeout', options.connectionTimeout, 0);
    this.closeTimeout = options.closeTimeout === undefined ? 10_000 : checkInteger(WHERE, 'closeTimeout', options.closeTimeout, 0);
    if (options.log !== undefined && typeof options.log !== 'function') {
      throw new TypeError(`${WHERE}: log must be a function, received ${describe(options.log)}`);
    }
    this.log = options.log ?? ((line: string) => console.warn(line));
  }

  /**
   * Run `fn` over `items` on the cluster's workers; results in input order.
   * `fn` captures nothing (pass values through `context`) or is a module
   * task (`defineTask` / `fromModule`), which workers find under their
   * `--root` by its path relative to this project's root. The first item to
   * throw rejects the call with Weft's `TaskError` (its `index`, and its
   * `cause` with class, `code` and the worker's stack) and cancels the rest.
   *
   * @typeParam T - the item type.
   * @typeParam R - the result type.
   * @typeParam C - the context type.
   * @throws TypeError or RangeError at the call for a function that cannot travel, an item that cannot (shared memory, a function), or bad options.
   *
   * @example
   * ```ts
   * const squares = await cluster.map([1, 2, 3], (x) => x * x); // [1, 4, 9]
   * const scaled = await cluster.map([1, 2], (x, _i, ctx) => x * ctx.k, { context: { k: 10 } }); // [10, 20]
   * ```
   */
  map<T, R, C = undefined>(items: Iterable<T> | ArrayLike<T>, fn: ClusterMapFn<T, R, C>, options: ClusterMapOptions<C> = {}): Promise<Awaited<R>[]> {
    const where = `${WHERE}.map`;
    if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object, received ${describe(options)}`);
    const list = toIndexable(where, items);
    const task = prepareTask(where, fn);
    const chunkSize = options.chunkSize === undefined ? this.chunkSize : checkInteger(where, 'chunkSize', options.chunkSize, 1);
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
      throw new TypeError(`${where}: onProgress must be a function, received ${describe(options.onProgress)}`);
    }
    const signal = options.signal;
    if (signal !== undefined && (typeof signal !== 'object' || signal === null || typeof signal.aborted !== 'boolean')) {
      throw new TypeError(`${where}: signal must be an AbortSignal, received ${describe(signal)}`);
    }
    const context = options.context === undefined ? '' : base64(encodeValue(options.context, `${where}: context`));
    const chunks = chunkItems(where, list, chunkSize);
    return this.submit(where, task, chunks, list.length, false, context, signal, options.onProgress) as Promise<Awaited<R>[]>;
  }

  /**
   * Run `fn(...args)` once on a worker machine.
   *
   * @typeParam A - the argument types.
   * @typeParam R - the return type.
   * @throws TypeError at the call when `fn` or an argument cannot travel.
   *
   * @example
   * ```ts
   * const three = await cluster.run((a: number, b: number) => a + b, 1, 2); // 3
   * ```
   */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>> {
    const where = `${WHERE}.run`;
    const task = prepareTask(where, fn);
    const chunks = chunkItems(where, [args], 1);
    return this.submit(where, task, chunks, 1, true, '', undefined, undefined).then((results) => results[0] as Awaited<R>);
  }

  /**
   * Let calls in flight finish (at most `closeTimeout`, then they reject
   * with `PoolClosedError` and their jobs are cancelled), then close the
   * connections. New calls are refused. Always resolves, Redis reachable or not.
   *
   * @example
   * ```ts
   * await cluster.close();
   * ```
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.state = 'closing';
      if (this.calls.size > 0) {
        // The watchdog (alive while calls are) holds the process meanwhile.
        await within(new Promise<void>((resolve) => this.drainWaiters.push(resolve)), this.closeTimeout);
        for (const call of [...this.calls.values()]) call.fail(new PoolClosedError(`${call.where}: the cluster pool was closed before the call finished`));
      }
      this.state = 'closed';
      this.stopWatchdog();
      await this.dropLink();
    })();
    return this.closing;
  }

  /** `await using cluster = new ClusterPool(...)` closes the pool at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async submit(
    where: string,
    prepared: PreparedTask,
    chunks: ReturnType<typeof chunkItems>,
    total: number,
    spread: boolean,
    context: string,
    signal: AbortSignal | undefined,
    onProgress: ((done: number, total: number) => void) | undefined,
  ): Promise<unknown[]> {
    if (this.state !== 'open') throw new PoolClosedError(`${where}: the cluster pool is ${this.state}; no new calls are accepted`);
    if (signal?.aborted) throw new AbortError(`${where}: aborted before it started`, signal.reason);
    if (total === 0) return [];
    const task = await finishTask(where, prepared);
    // close() may have been called while the task was being looked up.
    if (this.state !== 'open') throw new PoolClosedError(`${where}: the cluster pool was closed before the call started`);
    const callId = `w${this.id}${(this.nextCall++).toString(36)}`;
    const { key, queue } = this.shared;
    const queued: QueuedChunk[] = chunks.map((chunk, i) => {
      const jobId = jobIdOf(callId, i);
      const unsigned = { v: PROTOCOL_VERSION, call: callId, offset: chunk.offset, task, spread, items: chunk.items, context } as const;
      return { jobId, count: chunk.count, data: { ...unsigned, sig: signJob(key, queue, jobId, unsigned) } satisfies JobData };
    });
    return new Promise<unknown[]>((resolve, reject) => {
      const onAbort = (): void => call.fail(new AbortError(`${where}: aborted`, signal?.reason));
      const call = new ClusterCall(callId, where, total, queued, onProgress, resolve, reject, (c) => this.cancel(c), (c) => {
        signal?.removeEventListener('abort', onAbort);
        this.calls.delete(c.id);
        if (this.calls.size > 0) return;
        this.stopWatchdog();
        for (const resolve of this.drainWaiters.splice(0)) resolve();
      });
      this.calls.set(callId, call);
      this.startWatchdog();
      signal?.addEventListener('abort', onAbort, { once: true });
      const link = this.connect();
      link.wake();
      // Until Redis answers, the watchdog's connectionTimeout bounds the wait.
      link.opened.then(
        () => (call.isSettled ? undefined : this.enqueue(link, queued).catch((err: unknown) => call.fail(err))),
        (err: unknown) => {
          if (link.isClosed) return;
          const message = err instanceof Error ? err.message : String(err);
          call.fail(new ClusterError('WEFT_CLUSTER_CONNECTION', `${where}: cannot use Redis: ${message}`, { cause: err }));
          if (this.link === link && this.calls.size === 0) void this.dropLink();
        },
      );
    });
  }

  /** The pool's link, made on first use (and again after an idle pool dropped a lost one). */
  private connect(): ClusterLink {
    if (this.link) return this.link;
    this.lostSince = undefined;
    const link: ClusterLink = new ClusterLink(this.shared, this.id, this.checkInterval, {
      completed: (jobId, value) => this.onCompleted(jobId, value),
      failed: (jobId, reason) => this.onFailed(jobId, reason),
      busy: () => this.calls.size > 0,
      ready: () => void this.check(),
      lost: () => {
        this.lostSince ??= Date.now();
        // Idle: do not keep reconnecting (its timers would hold the process); the next call links again.
        if (this.calls.size === 0 && this.link === link) void this.dropLink();
      },
      error: (err) => {
        this.lastError = err;
      },
    });
    this.link = link;
    return link;
  }

  private async dropLink(): Promise<void> {
    const link = this.link;
    this.link = undefined;
    await link?.close();
  }

  private async enqueue(link: ClusterLink, chunks: readonly QueuedChunk[]): Promise<void> {
    await link.queue!.addBulk(
      chunks.map((c) => ({ name: 'weft', data: c.data, opts: { jobId: c.jobId, removeOnComplete: true, removeOnFail: { age: 3600 } } })),
    );
  }

  private lookup(jobId: string): { call: ClusterCall; index: number } | undefined {
    const callId = callOfJobId(jobId);
    const call = callId === undefined ? undefined : this.calls.get(callId);
    if (!call) return undefined;
    const index = Number(jobId.slice(callId!.length + 1));
    return Number.isInteger(index) && index >= 0 && index < call.chunks.length ? { call, index } : undefined;
  }

  private onCompleted(jobId: string, value: unknown): void {
    const found = this.lookup(jobId);
    if (!found) return;
    const { key, queue } = this.shared;
    if (!verifyResult(key, queue, jobId, value)) {
      this.log(`${found.call.where}: ignored a result for job ${jobId} whose signature does not verify (forged, or a worker with another key)`);
      return;
    }
    found.call.complete(found.index, value);
  }

  private onFailed(jobId: string, reason: string): void {
    const found = this.lookup(jobId);
    if (!found) return;
    const { call } = found;
    const refused = reason.startsWith('weft-refused:');
    const message = refused
      ? `${call.where}: a worker refused job ${jobId}: ${reason.slice('weft-refused:'.length).trim()}. Callers and workers need the same key (WEFT_CLUSTER_KEY)`
      : `${call.where}: job ${jobId} failed on the cluster: ${reason}`;
    call.fail(new ClusterError(refused ? 'WEFT_CLUSTER_REFUSED' : 'WEFT_CLUSTER_JOB_FAILED', message));
  }

  /** Remove a failed or aborted call's queued jobs and ask workers to stop its running ones (best effort). */
  private cancel(call: ClusterCall): void {
    const link = this.link;
    const queue = link?.queue;
    if (!link || !queue || link.commands.status !== 'ready') return;
    void link.commands.publish(cancelChannel(this.shared.prefix, this.shared.queue), call.id).catch(() => {});
    for (const chunk of call.pending()) void queue.remove(chunk.jobId).catch(() => {});
  }

  private startWatchdog(): void {
    if (this.watchdog) return;
    // The one thing that keeps the process alive while calls are in flight (sockets are unref'd).
    this.watchdog = setInterval(() => void this.check(), this.checkInterval);
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /** Every `checkInterval`: is Redis reachable, and does it still hold our jobs? */
  private async check(): Promise<void> {
    const link = this.link;
    if (!link || this.calls.size === 0) return;
    // Connected but silent (a server stopped or overloaded): the data check sent then has not answered.
    const unanswered = this.checking === link && Date.now() - this.checkStartedAt >= this.connectionTimeout;
    if (link.commands.status !== 'ready' || link.queue === undefined || unanswered) {
      this.lostSince ??= unanswered ? this.checkStartedAt : Date.now();
      const downFor = Date.now() - this.lostSince;
      if (downFor >= this.connectionTimeout) {
        const why = unanswered ? ' (connected, but it answered no command)' : this.lastError ? ` (last error: ${this.lastError.message})` : '';
        for (const call of [...this.calls.values()]) {
          call.fail(new ClusterError('WEFT_CLUSTER_CONNECTION', `${call.where}: Redis was unreachable for ${downFor} ms (connectionTimeout ${this.connectionTimeout} ms)${why}`));
        }
        void this.dropLink();
      }
      return;
    }
    this.lostSince = undefined;
    if (this.checking === link) return;
    this.checking = link;
    this.checkStartedAt = Date.now();
    try {
      if (await link.stillHoldsData()) return;
      // Redis lost its data (restarted without persistence, or flushed): queue every unfinished chunk again.
      const pending = [...this.calls.values()].flatMap((call) => call.pending());
      if (pending.length > 0) {
        this.log(`${WHERE}: Redis lost its data; queueing ${pending.length} unfinished job(s) again`);
        await this.enqueue(link, pending);
      }
    } catch {
      // The connection dropped mid-check: the next check sees it.
    } finally {
      if (this.checking === link) this.checking = undefined;
    }
  }
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
