/**
 * `Pool`: a work-stealing pool of workers whose scheduling state lives in
 * shared memory. See `pool/README.md` for the protocol and its invariants.
 *
 * @module
 */
import type { Backend, ResourceLimits } from '../backend/backend.js';
import { refuseDuringTaskImport } from '../task/task-import-guard.js';
import { mapOnWorkers, type MapFn, type ParallelMapOptions } from '../map/map-on-workers.js';
import { backendChoice, expectsNativeBackend, resolveBackend, type BackendChoice } from '../backend/select-backend.js';
import { deserializeThrown, describeThrown, serializeThrown, type SerializedValue } from '../codec/error-codec.js';
import { encodePayload, fastPayloadSize, holdsSharedMemory, type EncodedPayload } from '../codec/payload-codec.js';
import { AbortError, BackendUnavailableError, PoolClosedError, QueueFullError, TaskError, TaskTimeoutError, WorkerExitError } from '../errors.js';
import { encodeShareables } from '../memory/shareable.js';
import type { FromWorker, FunctionRef } from '../protocol.js';
import { analyzeFunction } from '../task/analyze-function.js';
import { moduleRefOf } from '../task/define-task.js';
import { checkFunction, checkInteger, checkSignal, describeValue } from '../validate.js';
import { CALLER_LOCK_OWNER, FunctionTable, releaseFunctionLockOf } from './function-table.js';
import type { MpmcRing } from './mpmc-ring.js';
import { SampleRing, type PoolStats } from './pool-stats.js';
import { defaultSizes, epochNow, Header, SchedulerMemory, Slot, SlotFlag, TaskState } from './scheduler-memory.js';
import { releaseSlot, takeSlot } from './slot-stack.js';
import { WorkerPool, type PoolWorker } from './worker-pool.js';
import { deadThreadsBuffer } from '../sync/dead-threads.js';
import { futexNotify } from '../sync/futex.js';
import { createIdentityHeap, RESULT_IN_HEAP, takeResult, type IdentityHeap } from './identity-heap.js';
import { BufferRegistry } from './shared-buffers.js';
import { SlotTable } from './slot-table.js';

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

interface TaskRecord {
  /** What workers load (undefined when submitted for shared-heap threads, which take `fn` itself). */
  ref: Exclude<FunctionRef, { kind: 'closure' }> | undefined;
  /** Arguments in the general (msgpack) encoding, when they need one. */
  payload: EncodedPayload | undefined;
  /** Arguments that take the payload fast path (a few numbers): written into the slot as they are. */
  fastArgs: readonly unknown[] | undefined;
  pinnedArgs: readonly unknown[] | undefined;
  /** The function and arguments as given (shared-heap threads get them by identity). */
  fn: unknown;
  args: unknown[];
  flags: number;
  readonly submittedAt: number;
  readonly timeout: number | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  slot: number;
  pinnedTo: number;
  settled: boolean;
  cleanup: (() => void) | undefined;
}

const WHERE = 'Pool';
const RUN_WHERE = `${WHERE}.run`;

/** `TaskRecord.args` of a task already shipped (its arguments live in the payload or `pinnedArgs`). */
const EMPTY_ARGS: unknown[] = [];

/** How long (ms) the caller looks for a completion before it waits asynchronously, once per burst of work. */
const CALLER_SPIN_MS = 0.03;

/** Payload bytes per slot (arguments or result); larger arguments travel by message. */
const PAYLOAD_BYTES = defaultSizes(1).payloadBytes;

/** Shippable references, cached per function object (analysis and key building happen once). */
const refCache = new WeakMap<object, Exclude<FunctionRef, { kind: 'closure' }>>();

function shippableRef(where: string, fn: unknown): Exclude<FunctionRef, { kind: 'closure' }> {
  let ref = refCache.get(fn as object);
  if (!ref) {
    ref = moduleRefOf(fn);
    if (!ref) {
      const analysis = analyzeFunction(fn as (...args: never[]) => unknown, `${where}: fn`);
      ref = { kind: 'source', source: analysis.source, form: analysis.form };
    }
    refCache.set(fn as object, ref);
  }
  return ref;
}

/**
 * Make `record`'s task ready for workers: its function by reference, its
 * arguments encoded for a slot, or pinned (shared memory, or too large for a
 * slot) to travel by message. Writes the record's fields, allocating nothing
 * on the fast path; throws `TypeError` naming what cannot be sent.
 */
function shipInto(record: TaskRecord, where: string): void {
  record.ref = shippableRef(where, record.fn);
  const wire = encodeShareables(record.args) as unknown[];
  record.fn = undefined;
  record.args = EMPTY_ARGS;
  if (holdsSharedMemory(wire)) return pin(record, wire);
  // The fast path (a few numbers): written into the slot as they are. (A larger one would be pinned below.)
  const size = fastPayloadSize(wire);
  if (size >= 0 && size <= PAYLOAD_BYTES) {
    record.fastArgs = wire;
    return;
  }
  let payload: EncodedPayload;
  try {
    payload = encodePayload(wire);
  } catch (err) {
    throw new TypeError(`${where}: the arguments cannot be sent to a worker (${describeThrown(err)})`);
  }
  if (payload.size > PAYLOAD_BYTES) pin(record, wire);
  else record.payload = payload;
}

/** Shared memory must travel by message (which shares it); so must what does not fit a slot. */
function pin(record: TaskRecord, wire: unknown[]): void {
  record.pinnedArgs = wire;
  record.flags |= SlotFlag.Pinned;
}

/** The record a promise executor is being run for (see `adopt`). */
let adopting: TaskRecord | undefined;

/** One shared promise executor: hands `resolve` and `reject` to the record being submitted, with no closure per task. */
function adopt(resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  adopting!.resolve = resolve;
  adopting!.reject = reject;
}

function unsettled(): void {
  throw new Error('internal: a task record settled before its promise existed');
}


/** Wake every sleeping worker: move `WakeSeq` on (so a sleeper about to wait sees the change), then notify it. */
function wakeWorkers(words: Int32Array): void {
  Atomics.add(words, Header.WakeSeq, 1);
  futexNotify(words, Header.WakeSeq);
}

/** `Pool.run`'s options: none. */
const NO_OPTIONS: RunOptions = Object.freeze({});

/** The state a pool builds once its backend is known. */
interface Running {
  readonly backend: Backend;
  readonly workers: WorkerPool;
  readonly memory: SchedulerMemory;
  readonly table: FunctionTable;
  readonly injector: MpmcRing;
  readonly completions: MpmcRing;
  /** Native backend: functions, arguments and results by identity. */
  readonly heap: IdentityHeap | undefined;
}

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
  /** Shared buffers of tasks' arguments, numbered for forks (see `shared-buffers.ts`). */
  private readonly buffers = new BufferRegistry((id) => {
    for (const w of this.running?.workers.live() ?? []) w.post({ type: 'buffers', add: [], forget: [id] });
  });
  private readonly resourceLimits: ResourceLimits | undefined;
  private running: Running | undefined;
  private starting: Promise<Running> | undefined;
  /** Tasks waiting for a free slot: `backlog[backlogHead..]` (a queue without O(n) shifts). */
  private backlog: TaskRecord[] = [];
  private backlogHead = 0;
  private flushQueued = false;
  private readonly inSlots = new SlotTable<TaskRecord>();
  private readonly largeResults = new Map<number, { ok?: unknown; err?: SerializedValue }>();
  /** Completed slots whose large result message has not arrived yet. */
  private readonly awaitingMessage = new Set<number>();
  private state: 'open' | 'closing' | 'closed' = 'open';
  private pumping = false;
  /** Workers referenced while the pump runs. */
  private held: PoolWorker[] = [];
  private drainWaiters: (() => void)[] = [];
  private closeWaiters: (() => void)[] = [];
  private completedCount = 0;
  private failedCount = 0;
  private readonly runTimes = new SampleRing();
  private readonly waitTimes = new SampleRing();
  private nextPinned = 0;
  /** Top-level tasks ever written into a slot (compared with Header.TopStarted). */
  private slotted = 0;

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
  }

  /** The worker pool behind this Pool (shared with `map`). Starts the backend on first use. */
  private async start(): Promise<Running> {
    if (this.running) return this.running;
    this.starting ??= (async () => {
      const backend = await resolveBackend(this.choice);
      const size = this.requestedSize ?? Math.max(1, backend.parallelism());
      const sizes = defaultSizes(size);
      const memory = SchedulerMemory.create(sizes);
      const heap = backend.kind === 'native' ? createIdentityHeap(sizes.slots) : undefined;
      const workers = new WorkerPool(backend, size, {
        init: (index) => ({
          type: 'init',
          memory: memory.buffer,
          sizes,
          index,
          deadThreads: deadThreadsBuffer(),
          ...(heap ? { heap } : { buffers: this.buffers.entries() }),
        }),
        message: (worker, message) => this.onMessage(worker, message),
        exit: (worker, code, error) => this.onWorkerExit(worker, code, error),
        // A worker asleep in a blocking wait cannot take a message until WakeSeq moves.
        posted: () => {
          wakeWorkers(memory.words);
        },
      }, this.resourceLimits ? { resourceLimits: this.resourceLimits } : {});
      this.running = {
        backend,
        workers,
        memory,
        table: new FunctionTable(memory, CALLER_LOCK_OWNER),
        injector: memory.injector,
        completions: memory.completions,
        heap,
      };
      return this.running;
    })();
    return this.starting;
  }

  /** @internal The workers, for `map`. */
  async workerPool(): Promise<WorkerPool> {
    return (await this.start()).workers;
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
    return mapOnPool(this, items, fn, options);
  }

  private submit(fn: unknown, args: unknown[], options: RunOptions): Promise<unknown> {
    const where = RUN_WHERE;
    checkFunction(where, 'fn', fn);
    if (this.state !== 'open') return Promise.reject(new PoolClosedError(`${where}: the pool is ${this.state}; no new tasks are accepted`));
    let flags = SlotFlag.TopLevel;
    if (options.signal || options.timeout !== undefined) flags |= SlotFlag.Signal;
    if (options.timeout !== undefined) flags |= SlotFlag.ReportStart;
    const record: TaskRecord = {
      ref: undefined,
      payload: undefined,
      fastArgs: undefined,
      pinnedArgs: undefined,
      // Kept only while they may still be needed: by identity for native threads, or shipped late (see flush).
      fn,
      args,
      flags,
      submittedAt: this.recordTiming ? epochNow() : 0,
      timeout: options.timeout,
      resolve: unsettled,
      reject: unsettled,
      slot: -1,
      pinnedTo: -1,
      settled: false,
      cleanup: undefined,
    };
    // Shared-heap threads take the closure and its arguments as they are; workers need them shipped.
    if (!this.sharedHeap()) shipInto(record, where);
    if (this.maxQueue !== Infinity && this.queuedCount() >= this.maxQueue) {
      return Promise.reject(new QueueFullError(`${where}: the queue is full (maxQueue ${this.maxQueue}); wait for pool.drained() before submitting more`, this.maxQueue));
    }
    adopting = record;
    const promise = new Promise<unknown>(adopt);
    adopting = undefined;
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) {
        record.reject(new AbortError(`${where}: aborted before it started`, signal.reason));
        return promise;
      }
      const onAbort = (): void => this.cancel(record, new AbortError(`${where}: aborted`, signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      record.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    this.backlog.push(record);
    if (this.running) this.scheduleFlush();
    else
      void this.start().then(
        () => this.scheduleFlush(),
        (err: unknown) => this.settle(record, false, err),
      );
    return promise;
  }

  /**
   * Whether tasks go to shared-heap threads (by identity): the backend once
   * started, else the choice in force (auto picks native where the Thread API
   * exists; a failed probe is handled in `flush`).
   */
  private sharedHeap(): boolean {
    if (this.running) return this.running.heap !== undefined;
    return expectsNativeBackend(this.choice);
  }

  /**
   * A pinned task's arguments as posted: its shared buffers as the numbers
   * every worker already has (so that forks find the same objects), the rest
   * cloned by the message.
   */
  private pinnedWire(args: readonly unknown[]): readonly unknown[] {
    return (this.buffers.share(args) as readonly unknown[] | undefined) ?? args;
  }

  /** Tasks waiting to start: in the backlog, or in a slot no worker has begun. O(1). */
  private queuedCount(): number {
    const memory = this.running?.memory;
    const startedInSlots = memory ? Atomics.load(memory.words, Header.TopStarted) : 0;
    return this.backlog.length - this.backlogHead + (this.slotted - startedInSlots);
  }

  /** One flush per microtask turn, however many tasks were submitted in it. */
  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  /** Move backlog tasks into free slots and onto the injector (or to a worker, when pinned). */
  private flush(): void {
    const run = this.running;
    if (!run || this.state === 'closed') return;
    run.workers.fill();
    const { memory, table, injector, heap } = run;
    const w = memory.words;
    let pushed = false;
    while (this.backlogHead < this.backlog.length) {
      const record = this.backlog[this.backlogHead]!;
      if (record.settled) {
        this.backlogHead++;
        continue;
      }
      const slot = takeSlot(memory);
      if (slot < 0) break; // all slots busy: the rest waits for completions
      this.backlogHead++;
      let fnId = 0;
      try {
        if (heap) {
          heap.fns[slot] = record.fn;
          heap.args[slot] = record.args;
        } else {
          // Submitted for shared-heap threads, but auto-detection settled on workers: ship it now.
          if (!record.ref) shipInto(record, RUN_WHERE);
          fnId = table.idOf(record.ref!);
        }
      } catch (err) {
        releaseSlot(memory, slot);
        this.settle(record, false, err);
        continue;
      }
      const base = memory.slotWord(slot);
      // Plain writes: the injector push (or the postMessage) below publishes them to whichever worker takes the slot.
      const at = memory.payloadAt(slot);
      w[base + Slot.ArgsLength] = record.fastArgs
        ? memory.payloads.writeFast(at, record.fastArgs)
        : record.payload
          ? memory.payloads.write(at, record.payload)
          : 0;
      w[base + Slot.FnId] = fnId;
      w[base + Slot.Flags] = record.flags;
      w[base + Slot.Parent] = 0;
      memory.times[slot * 3] = record.submittedAt;
      Atomics.store(w, base + Slot.State, TaskState.Queued);
      record.slot = slot;
      this.inSlots.set(slot, record);
      this.slotted++;
      if (record.pinnedArgs) {
        // Every worker learns the task's shared buffers before the task exists, so any may run its forks.
        const fresh = this.buffers.register(record.pinnedArgs);
        if (fresh.length > 0) for (const w of run.workers.live()) w.post({ type: 'buffers', add: fresh, forget: [] });
        const worker = run.workers.at(this.nextPinned++ % run.workers.size);
        record.pinnedTo = worker.index;
        worker.post({ type: 'task', slot, args: this.pinnedWire(record.pinnedArgs) });
      } else {
        // Cannot fail: the ring has a cell for every slot.
        if (!injector.push(slot)) throw new Error('internal: the injector refused a task');
        pushed = true;
      }
    }
    if (pushed && Atomics.load(w, Header.Sleepers) > 0) {
      // Orders after the pushes: a worker that announced sleep either sees the work or sees WakeSeq move.
      wakeWorkers(w);
    }
    if (this.backlogHead > 1024 && this.backlogHead * 2 > this.backlog.length) {
      this.backlog = this.backlog.slice(this.backlogHead);
      this.backlogHead = 0;
    }
    if (this.inSlots.size > 0) void this.pump();
  }

  /** Drain completions while tasks are outstanding; sleeps with waitAsync in between. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const run = this.running!;
    const w = run.memory.words;
    // Outstanding tasks keep the process alive (a pending waitAsync does not); an idle pool does not.
    this.held = run.workers.live();
    for (const worker of this.held) worker.hold();
    try {
      // A short task often finishes within microseconds: look for it briefly before paying for a waitAsync round.
      const spinEnd = performance.now() + CALLER_SPIN_MS;
      const first = Atomics.load(w, Header.CompletionSeq);
      while (Atomics.load(w, Header.CompletionSeq) === first && performance.now() < spinEnd) {
        /* spin */
      }
      while (this.inSlots.size > 0 && this.state !== 'closed') {
        Atomics.store(w, Header.CallerWaiting, 1);
        const seq = Atomics.load(w, Header.CompletionSeq);
        if (this.drainCompletions()) continue;
        // A worker that finishes after the load above bumps CompletionSeq, so this wait returns at once.
        const wait = Atomics.waitAsync(w, Header.CompletionSeq, seq, 50);
        if (wait.async) await wait.value;
        Atomics.store(w, Header.CallerWaiting, 0);
        this.drainCompletions();
      }
    } finally {
      Atomics.store(w, Header.CallerWaiting, 0);
      this.pumping = false;
      for (const worker of this.held) worker.release();
      this.held = [];
    }
  }

  /** Settle every completed top-level task; true when any was found. */
  private drainCompletions(): boolean {
    const run = this.running!;
    let any = false;
    for (;;) {
      const slot = run.completions.pop();
      if (slot < 0) break;
      any = true;
      this.complete(slot);
    }
    if (any) {
      this.flush();
      this.checkDrained();
    }
    return any;
  }

  private complete(slot: number): void {
    const run = this.running!;
    const { memory } = run;
    const w = memory.words;
    const record = this.inSlots.get(slot);
    const base = memory.slotWord(slot);
    const state = Atomics.load(w, base + Slot.State);
    const length = Atomics.load(w, base + Slot.ResultLength);
    // How it ended: a value, a serialized error (workers), the error object itself (shared heap), or cancelled.
    let ending: 'ok' | 'err' | 'thrown' | 'cancelled' = 'cancelled';
    let value: unknown;
    if (length === -1) {
      const outcome = this.largeResults.get(slot);
      if (!outcome) {
        // The result travels by message, which has not been handled yet: finish when it is.
        this.awaitingMessage.add(slot);
        return;
      }
      this.largeResults.delete(slot);
      ending = 'ok' in outcome ? 'ok' : 'err';
      value = 'ok' in outcome ? outcome.ok : outcome.err;
    } else if (length === RESULT_IN_HEAP) {
      value = takeResult(run.heap!, slot);
      if (state === TaskState.Done) ending = 'ok';
      else if (state === TaskState.Failed) ending = 'thrown';
    } else if (state !== TaskState.Cancelled) {
      value = length > 0 ? memory.payloads.read(memory.payloadAt(slot), length) : undefined;
      ending = state === TaskState.Done ? 'ok' : 'err';
    }
    this.recordTimes(slot);
    this.inSlots.delete(slot);
    releaseSlot(memory, slot);
    if (!record || record.settled) return;
    if (ending === 'ok') this.settle(record, true, value);
    else if (ending === 'cancelled') this.settle(record, false, new AbortError(`${RUN_WHERE}: the task was cancelled`));
    else {
      const cause = ending === 'thrown' ? value : deserializeThrown(value as SerializedValue);
      this.settle(record, false, new TaskError(`${RUN_WHERE}: the task threw: ${describeThrown(cause)}`, cause));
    }
  }

  private recordTimes(slot: number): void {
    if (!this.recordTiming) return;
    const { times } = this.running!.memory;
    const submitted = times[slot * 3]!;
    const started = times[slot * 3 + 1]!;
    const finished = times[slot * 3 + 2]!;
    this.waitTimes.add(started - submitted);
    this.runTimes.add(finished - started);
  }

  private settle(record: TaskRecord, ok: boolean, value: unknown): void {
    if (record.settled) return;
    record.settled = true;
    record.cleanup?.();
    if (ok) {
      this.completedCount++;
      record.resolve(value);
    } else {
      this.failedCount++;
      record.reject(value);
    }
  }

  /** Abort or time out a task: reject now, tell the task through its signal, replace its worker if it ignores it. */
  private cancel(record: TaskRecord, error: unknown): void {
    if (record.settled) return;
    this.settle(record, false, error);
    const run = this.running;
    if (!run || record.slot < 0) return; // still in the backlog: flush skips settled records
    const { memory } = run;
    const base = memory.slotWord(record.slot);
    const slot = record.slot;
    Atomics.store(memory.words, base + Slot.Cancel, 1);
    // A shared-heap thread cannot be stopped: a task that ignores its signal keeps its thread until it returns.
    if (run.heap) return;
    const timer = setTimeout(() => {
      // Still running the same task after the grace period: the worker is stuck; replace it.
      if (this.inSlots.get(slot) !== record) return;
      if (Atomics.load(memory.words, base + Slot.State) !== TaskState.Running) return;
      const runner = Atomics.load(memory.words, base + Slot.Runner);
      const worker = runner > 0 ? run.workers.live().find((w) => w.index === runner - 1) : undefined;
      if (worker) run.workers.replace(worker);
    }, this.grace);
    (timer as { unref?: () => void }).unref?.();
  }

  private onMessage(_worker: PoolWorker, message: FromWorker): void {
    switch (message.type) {
      case 'task-started': {
        const record = this.inSlots.get(message.slot);
        if (record && !record.settled && record.timeout !== undefined) {
          const timeout = record.timeout;
          const timer = setTimeout(
            () => this.cancel(record, new TaskTimeoutError(`${WHERE}.run: the task did not finish within ${timeout} ms of starting`, timeout)),
            timeout,
          );
          const previous = record.cleanup;
          record.cleanup = () => {
            clearTimeout(timer);
            previous?.();
          };
        }
        break;
      }
      case 'task-result':
        this.largeResults.set(message.slot, message.value as { ok?: unknown; err?: SerializedValue });
        if (this.awaitingMessage.delete(message.slot)) {
          this.complete(message.slot);
          this.flush();
          this.checkDrained();
        }
        break;
      default:
        break;
    }
  }

  /** A worker died: fail what it was running, re-send what was pinned to it, and start its replacement. */
  private onWorkerExit(worker: PoolWorker, exitCode: number | null, error: unknown): void {
    const run = this.running;
    if (!run) return;
    const { memory } = run;
    const w = memory.words;
    const number = worker.index + 1;
    releaseFunctionLockOf(memory, number);
    const how = exitCode === null ? 'was terminated' : `exited with code ${exitCode}`;
    const detail = error === undefined ? '' : `: ${describeThrown(error)}`;
    for (let slot = 0; slot < memory.sizes.slots; slot++) {
      const base = memory.slotWord(slot);
      const state = Atomics.load(w, base + Slot.State);
      const record = this.inSlots.get(slot);
      if (state === TaskState.Running && Atomics.load(w, base + Slot.Runner) === number) {
        const exit = new WorkerExitError(`${WHERE}: the worker running this task ${how}${detail}`, exitCode, error === undefined ? undefined : { cause: error });
        if (record) {
          this.inSlots.delete(slot);
          releaseSlot(memory, slot);
          this.settle(record, false, exit);
        } else {
          // A forked task: fail it in its slot, so the task joining it throws instead of waiting forever.
          failSlot(memory, slot, exit);
        }
      } else if (record && record.pinnedTo === worker.index && state === TaskState.Queued) {
        record.pinnedTo = -1; // re-sent below, to the replacement
      }
    }
    if (this.state === 'closed') return;
    const replacement = run.workers.at(worker.index);
    if (this.pumping) {
      replacement.hold();
      this.held.push(replacement);
    }
    for (const record of this.inSlots.values()) {
      if (record.pinnedArgs && record.pinnedTo === -1 && !record.settled) {
        record.pinnedTo = replacement.index;
        replacement.post({ type: 'task', slot: record.slot, args: this.pinnedWire(record.pinnedArgs) });
      }
    }
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.queuedCount() === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
    if (this.inSlots.size === 0 && this.backlogHead === this.backlog.length) {
      const waiters = this.closeWaiters;
      this.closeWaiters = [];
      for (const resolve of waiters) resolve();
    }
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
    if (this.queuedCount() === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** A snapshot of the pool's counters and timings. */
  get stats(): PoolStats {
    const memory = this.running?.memory;
    const { inSlots, recordTiming, runTimes, waitTimes } = this;
    // Counters are read now; what costs more (a scan of the slots, sorting samples) only when read.
    return {
      workers: this.running?.workers.started ?? 0,
      queued: this.queuedCount(),
      get running(): number {
        let running = 0;
        if (memory) {
          for (const slot of inSlots.keys()) {
            if (Atomics.load(memory.words, memory.slotWord(slot) + Slot.State) === TaskState.Running) running++;
          }
        }
        return running;
      },
      completed: this.completedCount,
      failed: this.failedCount,
      stolen: memory ? Atomics.load(memory.words, Header.Stolen) : 0,
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
    if (this.inSlots.size > 0 || this.backlogHead < this.backlog.length) await new Promise<void>((resolve) => this.closeWaiters.push(resolve));
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
    for (const record of this.backlog.slice(this.backlogHead)) this.settle(record, false, error);
    this.backlog = [];
    this.backlogHead = 0;
    for (const record of this.inSlots.values()) this.settle(record, false, error);
    await this.shutdown();
  }

  private async shutdown(): Promise<void> {
    this.state = 'closed';
    const run = this.running ?? (this.starting ? await this.starting.catch(() => undefined) : undefined);
    if (!run) return;
    Atomics.store(run.memory.words, Header.Shutdown, 1);
    wakeWorkers(run.memory.words);
    this.inSlots.clear();
    await run.workers.terminateAll();
    this.checkDrained();
  }

  /** `await using pool = new Pool()` closes the pool at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Mark a forked task failed with `error` (its runner died), waking whoever joins it. */
function failSlot(memory: SchedulerMemory, slot: number, error: Error): void {
  const w = memory.words;
  const base = memory.slotWord(slot);
  const encoded = encodePayload(serializeThrown(error));
  const length = encoded.size <= memory.sizes.payloadBytes ? memory.payloads.write(memory.payloadAt(slot), encoded) : 0;
  Atomics.store(w, base + Slot.ResultLength, length);
  Atomics.store(w, base + Slot.State, TaskState.Failed);
  futexNotify(w, base + Slot.State);
}

/** Options of {@link Pool.map}: those of `parallelMap`, without `backend` (the pool has one). */
export type PoolMapOptions<C> = Omit<ParallelMapOptions<C>, 'backend'>;

function mapOnPool<T, R, C>(pool: Pool, items: Iterable<T> | ArrayLike<T>, fn: MapFn<T, R, C>, options: PoolMapOptions<C>): Promise<Awaited<R>[]> {
  return mapOnWorkers(`${WHERE}.map`, () => pool.workerPool(), items, fn, options);
}
