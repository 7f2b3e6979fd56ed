/**
 * The calling thread's half of the pool, the mirror of
 * `runtime/worker-scheduler.ts`: one object owns the slots, the backlog of
 * tasks waiting for one, the completion pump and its sleep, the decoding of
 * results, cancellation, and what a worker's death means for its tasks.
 * `Pool` is the public face over it. See pool/README.md for the protocol.
 *
 * @module
 */
import type { Backend } from '../backend/backend.js';
import { deserializeThrown, describeThrown, type SerializedValue } from '../codec/error-codec.js';
import { AbortError, PoolClosedError, TaskError, TaskTimeoutError } from '../errors.js';
import type { FromWorker } from '../protocol.js';
import type { FunctionTable } from '../sched/function-table.js';
import type { SlotTransport } from '../sched/slot-transport.js';
import type { MpmcRing } from '../sched/mpmc-ring.js';
import { SampleRing } from './pool-stats.js';
import { Header, type SchedulerMemory, Slot, TaskState } from '../sched/scheduler-memory.js';
import { BufferRegistry } from '../sched/shared-buffers.js';
import { shipTask, unsendableArgs } from './ship-task.js';
import { beginCallerSleep, endCallerSleep, wakeAll, wakeSleepers } from '../sched/sleep.js';
import { releaseSlot, takeSlot } from '../sched/slot-stack.js';
import { SlotTable } from './slot-table.js';
import type { TaskRecord } from './task-record.js';
import type { PoolWorker, WorkerPool } from '../backend/worker-pool.js';
import { recoverFromExit } from './worker-recovery.js';

/** How long (ms) the caller looks for a completion before it waits asynchronously, once per burst of work. */
const CALLER_SPIN_MS = 0.03;

/** The state a pool builds once its backend is known. */
export interface RunningPool {
  readonly backend: Backend;
  readonly workers: WorkerPool;
  readonly memory: SchedulerMemory;
  readonly table: FunctionTable;
  readonly injector: MpmcRing;
  readonly completions: MpmcRing;
  /** How the slots carry arguments and results: bytes, or by identity on shared-heap threads (native). */
  readonly transport: SlotTransport;
}

/** What the scheduler needs to know of its pool. */
export interface CallerSchedulerOptions {
  /** Names the pool in error messages (`Pool.run`). */
  readonly where: string;
  /** How long (ms) a cancelled task may run before its worker is replaced. */
  readonly grace: number;
  /** Keep run/wait time samples. */
  readonly recordTiming: boolean;
}

/**
 * The caller-side scheduler of one pool. Tasks enter with {@link enqueue}
 * (before or after the backend is up); {@link attach} gives it the running
 * pool; the pool's `WorkerPool` hooks go to {@link onMessage} and
 * {@link onWorkerExit}.
 *
 * @example
 * ```ts
 * const scheduler = new CallerScheduler({ where: 'Pool', grace: 1000, recordTiming: true });
 * scheduler.enqueue(record);
 * scheduler.attach(running); // the backlog flows into slots
 * ```
 */
export class CallerScheduler {
  /** Shared buffers of tasks' arguments, numbered for forks (see `shared-buffers.ts`). */
  readonly buffers = new BufferRegistry((id) => {
    for (const w of this.run?.workers.live() ?? []) w.post({ type: 'buffers', add: [], forget: [id] });
  });
  readonly runTimes = new SampleRing();
  readonly waitTimes = new SampleRing();
  completedCount = 0;
  failedCount = 0;
  private run: RunningPool | undefined;
  /** Tasks waiting for a free slot: `backlog[backlogHead..]` (a queue without O(n) shifts). */
  private backlog: TaskRecord[] = [];
  private backlogHead = 0;
  private flushQueued = false;
  /** Top-level tasks in slots, by slot. */
  readonly inSlots = new SlotTable<TaskRecord>();
  private readonly largeResults = new Map<number, { ok?: unknown; err?: SerializedValue }>();
  /** Completed slots whose large result message has not arrived yet. */
  private readonly awaitingMessage = new Set<number>();
  private closed = false;
  private pumping = false;
  /** Workers referenced while the pump runs. */
  private held: PoolWorker[] = [];
  private drainWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private nextPinned = 0;
  /** Top-level tasks ever written into a slot (compared with Header.TopStarted). */
  private slotted = 0;
  private readonly runWhere: string;

  constructor(private readonly options: CallerSchedulerOptions) {
    this.runWhere = `${options.where}.run`;
  }

  /** The running pool, once attached. */
  get running(): RunningPool | undefined {
    return this.run;
  }

  /** Start dispatching onto `run`: the backlog gathered so far flows into slots. */
  attach(run: RunningPool): void {
    this.run = run;
    this.scheduleFlush();
  }

  /** Queue a task; it reaches a slot at the next flush. */
  enqueue(record: TaskRecord): void {
    this.backlog.push(record);
    if (this.run) this.scheduleFlush();
  }

  /** Tasks waiting to start: in the backlog, or in a slot no worker has begun. O(1). */
  queuedCount(): number {
    const memory = this.run?.memory;
    const startedInSlots = memory ? Atomics.load(memory.words, Header.TopStarted) : 0;
    return this.backlog.length - this.backlogHead + (this.slotted - startedInSlots);
  }

  /** Tasks not yet settled, queued or running. */
  get outstanding(): boolean {
    return this.inSlots.size > 0 || this.backlogHead < this.backlog.length;
  }

  /** Resolves once no task waits to start. */
  drained(): Promise<void> {
    if (this.queuedCount() === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Resolves once every task submitted so far has settled. */
  idle(): Promise<void> {
    if (!this.outstanding) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
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
    const run = this.run;
    if (!run || this.closed) return;
    run.workers.fill();
    const { memory, table, injector, transport } = run;
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
        if (!transport.byIdentity) {
          // Submitted for shared-heap threads, but auto-detection settled on workers: ship it now.
          if (!record.ref) shipTask(record, this.runWhere);
          fnId = table.idOf(record.ref!);
        }
      } catch (err) {
        releaseSlot(memory, slot);
        this.settle(record, false, err);
        continue;
      }
      const base = memory.slotWord(slot);
      // Plain writes: the injector push (or the postMessage) below publishes them to whichever worker takes the slot.
      w[base + Slot.ArgsLength] = transport.putTask(slot, record);
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
        if (fresh.length > 0) for (const live of run.workers.live()) live.post({ type: 'buffers', add: fresh, forget: [] });
        try {
          this.postPinned(record, run.workers.at(this.nextPinned++ % run.workers.size));
        } catch (err) {
          // The message could not carry the arguments (postMessage refused them): fail the task, never leave it waiting.
          this.inSlots.delete(slot);
          this.slotted--;
          releaseSlot(memory, slot);
          this.settle(record, false, unsendableArgs(this.runWhere, err));
        }
      } else {
        // Cannot fail: the ring has a cell for every slot.
        if (!injector.push(slot)) throw new Error('internal: the injector refused a task');
        pushed = true;
      }
    }
    if (pushed) wakeSleepers(w);
    if (this.backlogHead > 1024 && this.backlogHead * 2 > this.backlog.length) {
      this.backlog = this.backlog.slice(this.backlogHead);
      this.backlogHead = 0;
    }
    if (this.inSlots.size > 0) void this.pump();
  }

  /**
   * Post a pinned task to `worker`: its shared buffers as the numbers every
   * worker already has (so that forks find the same objects), the rest
   * cloned by the message.
   */
  postPinned(record: TaskRecord, worker: PoolWorker): void {
    record.pinnedTo = worker.index;
    const args = (this.buffers.share(record.pinnedArgs) as readonly unknown[] | undefined) ?? record.pinnedArgs!;
    worker.post({ type: 'task', slot: record.slot, args }, record.transfer);
    if (record.transfer) record.moved = true;
  }

  /** Drain completions while tasks are outstanding; sleeps with waitAsync in between. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const run = this.run!;
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
      while (this.inSlots.size > 0 && !this.closed) {
        const seq = beginCallerSleep(w);
        if (this.drainCompletions()) continue;
        // A worker that finishes after the load above bumps CompletionSeq, so this wait returns at once.
        const wait = Atomics.waitAsync(w, Header.CompletionSeq, seq, 50);
        if (wait.async) await wait.value;
        endCallerSleep(w);
        this.drainCompletions();
      }
    } finally {
      endCallerSleep(w);
      this.pumping = false;
      for (const worker of this.held) worker.release();
      this.held = [];
    }
  }

  /** Keep `worker` (a replacement) referenced while the pump runs. */
  holdWhilePumping(worker: PoolWorker): void {
    if (!this.pumping) return;
    worker.hold();
    this.held.push(worker);
  }

  /** Settle every completed top-level task; true when any was found. */
  private drainCompletions(): boolean {
    const run = this.run!;
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

  /** Decode the outcome in `slot` and settle its task: a value, a serialized error, the error itself, or cancelled. */
  private complete(slot: number): void {
    const run = this.run!;
    const { memory } = run;
    const w = memory.words;
    const record = this.inSlots.get(slot);
    const base = memory.slotWord(slot);
    const state = Atomics.load(w, base + Slot.State);
    const length = Atomics.load(w, base + Slot.ResultLength);
    let ending: 'ok' | 'err' | 'thrown' | 'cancelled' = 'cancelled';
    let value: unknown;
    // 'err': serialized (a large result's message); 'thrown': the error itself (revived, or by identity).
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
    } else {
      value = run.transport.takeOutcome(slot, state, length);
      if (state === TaskState.Done) ending = 'ok';
      else if (state === TaskState.Failed) ending = 'thrown';
    }
    this.recordTimes(slot);
    this.inSlots.delete(slot);
    releaseSlot(memory, slot);
    if (!record || record.settled) return;
    if (ending === 'ok') this.settle(record, true, value);
    else if (ending === 'cancelled') this.settle(record, false, new AbortError(`${this.runWhere}: the task was cancelled`));
    else {
      const cause = ending === 'thrown' ? value : deserializeThrown(value as SerializedValue);
      this.settle(record, false, new TaskError(`${this.runWhere}: the task threw: ${describeThrown(cause)}`, cause));
    }
  }

  private recordTimes(slot: number): void {
    if (!this.options.recordTiming) return;
    const { times } = this.run!.memory;
    const submitted = times[slot * 3]!;
    const started = times[slot * 3 + 1]!;
    const finished = times[slot * 3 + 2]!;
    this.waitTimes.add(started - submitted);
    this.runTimes.add(finished - started);
  }

  /** Settle `record` once: count it, undo its listeners, resolve or reject its promise. */
  settle(record: TaskRecord, ok: boolean, value: unknown): void {
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
  cancel(record: TaskRecord, error: unknown): void {
    if (record.settled) return;
    this.settle(record, false, error);
    const run = this.run;
    if (!run || record.slot < 0) return; // still in the backlog: flush skips settled records
    const { memory } = run;
    const base = memory.slotWord(record.slot);
    const slot = record.slot;
    Atomics.store(memory.words, base + Slot.Cancel, 1);
    // A shared-heap thread cannot be stopped: a task that ignores its signal keeps its thread until it returns.
    if (run.transport.byIdentity) return;
    const timer = setTimeout(() => {
      // Still running the same task after the grace period: the worker is stuck; replace it.
      if (this.inSlots.get(slot) !== record) return;
      if (Atomics.load(memory.words, base + Slot.State) !== TaskState.Running) return;
      const runner = Atomics.load(memory.words, base + Slot.Runner);
      const worker = runner > 0 ? run.workers.live().find((w) => w.index === runner - 1) : undefined;
      if (worker) run.workers.replace(worker, `its task was still running ${this.options.grace} ms after it was cancelled`);
    }, this.options.grace);
    (timer as { unref?: () => void }).unref?.();
  }

  /** The `WorkerPool`'s message hook: task starts (for time-outs) and results too large for a slot. */
  onMessage(_worker: PoolWorker, message: FromWorker): void {
    switch (message.type) {
      case 'task-started': {
        const record = this.inSlots.get(message.slot);
        if (record && !record.settled && record.timeout !== undefined) {
          const timeout = record.timeout;
          const timer = setTimeout(
            () => this.cancel(record, new TaskTimeoutError(`${this.runWhere}: the task did not finish within ${timeout} ms of starting`, timeout)),
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

  /** The `WorkerPool`'s exit hook (see `worker-recovery.ts`). */
  onWorkerExit(worker: PoolWorker, exitCode: number | null, error: unknown): void {
    if (!this.run) return;
    recoverFromExit(this, this.run, worker, exitCode, error, this.closed, this.options.where);
    this.checkDrained();
  }

  /** Wake whoever waits for `drained()` or `idle()` when their condition holds. */
  checkDrained(): void {
    if (this.queuedCount() === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
    if (!this.outstanding) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Reject every task not yet settled with `error` (`Pool.terminate`). */
  rejectAll(error: PoolClosedError): void {
    for (const record of this.backlog.slice(this.backlogHead)) this.settle(record, false, error);
    this.backlog = [];
    this.backlogHead = 0;
    for (const record of this.inSlots.values()) this.settle(record, false, error);
  }

  /**
   * Stop: dispatch nothing more from now on (synchronously, so that a pool
   * still starting spawns no worker), then tell the workers to shut down,
   * forget the slots and terminate the workers.
   */
  async shutdown(starting: RunningPool | Promise<RunningPool | undefined> | undefined): Promise<void> {
    this.closed = true;
    const run = await starting;
    if (!run) return;
    Atomics.store(run.memory.words, Header.Shutdown, 1);
    wakeAll(run.memory.words);
    this.inSlots.clear();
    await run.workers.terminateAll();
    this.checkDrained();
  }
}
