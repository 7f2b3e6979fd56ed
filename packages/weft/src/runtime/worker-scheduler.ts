/**
 * Worker side of the Pool: find work in shared memory (own deque, then the
 * injector, then other workers' deques), run it, publish the result, and
 * sleep on a futex word when there is none. Also the engine of `fork` and
 * `join` inside tasks. See `pool/README.md` for the invariants.
 *
 * @module
 */
import { FunctionTable } from '../sched/function-table.js';
import type { MpmcRing } from '../sched/mpmc-ring.js';
import { epochNow, Header, SchedulerMemory, Slot, SlotFlag, TaskState } from '../sched/scheduler-memory.js';
import { releaseSlot, takeSlot } from '../sched/slot-stack.js';
import { beginSleep, endSleep, wakeCaller, wakeSleepers } from '../sched/sleep.js';
import { STEAL_RETRY, WorkDeque } from '../sched/work-deque.js';
import type { FromWorker, FunctionRef, InitMessage } from '../protocol.js';
import { decodeShareables } from '../memory/shareable.js';
import { resolveFunction, resolveFunctionSync } from './resolve-function.js';
import { asyncInFlight, trackAsync } from './async-work.js';
import { blockingWait, futexNotify, parkUntil } from '../sync/futex.js';
import type { IdentityHeap } from '../sched/identity-heap.js';
import { reviveBuffers, UNKNOWN_BUFFER } from '../sched/shared-buffers.js';
import { slotTransport, type SlotTransport } from '../sched/slot-transport.js';
import { isThenable } from './is-thenable.js';
import { settledHandle, SlotHandle, type WorkerForkHandle } from './fork-handles.js';
import { CancelWatcher, taskSignal, yieldToEventLoop } from './task-signal.js';
import { loadedRef } from '../task/loaded-ref.js';


type AnyFunction = (...args: unknown[]) => unknown;

/** A worker runs tasks for about this long (ms) before letting its event loop handle messages. */
const SLICE_MS = 8;
/** A blocking sleep lasts at most this long (ms) before the worker lets its event loop run. */
const BLOCKING_SLEEP_MS = 50;
/** An idle worker checks for work for about this long (ms) before it sleeps. */
const SPIN_MS = 0.1;



/** The scheduler of one worker. */
export type { WorkerForkHandle } from './fork-handles.js';

export class WorkerScheduler {
  readonly memory: SchedulerMemory;
  readonly index: number;
  private readonly w: Int32Array;
  private readonly table: FunctionTable;
  private readonly own: WorkDeque;
  private readonly deques: WorkDeque[];
  private readonly injector: MpmcRing;
  private readonly completions: MpmcRing;
  private readonly fns: (AnyFunction | undefined)[] = [];
  private readonly watcher = new CancelWatcher();
  private victim = 0;
  /** Set when a fork was given back for want of a `buffers` message: the loop yields to read messages. */
  private needsMessages = false;
  /** Native backend: functions, arguments and results by identity, per slot. */
  private readonly heap: IdentityHeap | undefined;
  /** How this pool's slots carry arguments and outcomes: bytes, or by identity on shared-heap threads. */
  private readonly transport: SlotTransport;

  constructor(
    init: InitMessage,
    private readonly post: (message: FromWorker, transfer?: readonly ArrayBuffer[]) => void,
    /** How many messages this worker has received (the caller counts what it posted, in shared memory). */
    private readonly received: () => number = () => 0,
  ) {
    this.memory = new SchedulerMemory(init.memory, init.sizes);
    this.index = init.index;
    this.w = this.memory.words;
    this.table = new FunctionTable(this.memory, init.index + 1);
    const { sizes } = this.memory;
    this.deques = Array.from({ length: sizes.workers }, (_, i) => new WorkDeque(this.w, this.memory.dequeWord(i), sizes.dequeCapacity));
    this.own = this.deques[init.index]!;
    this.injector = this.memory.injector;
    this.completions = this.memory.completions;
    this.heap = init.heap;
    this.transport = slotTransport(this.memory, init.heap);
  }

  /** Since when (ms) {@link WorkerScheduler.messageWaiting} has said yes without a break; -1 when it has not. */
  private waitingSince = -1;

  /**
   * Whether the caller posted a message this worker's event loop has not
   * delivered yet. A message in flight arrives within microseconds; should
   * the counts ever disagree for longer than a blocking sleep, the worker
   * sleeps as before instead of spinning.
   */
  private messageWaiting(): boolean {
    if (Atomics.load(this.w, this.memory.postedWord(this.index)) === this.received()) {
      this.waitingSince = -1;
      return false;
    }
    const now = performance.now();
    if (this.waitingSince < 0) this.waitingSince = now;
    return now - this.waitingSince < BLOCKING_SLEEP_MS;
  }

  // ---- finding work -------------------------------------------------------

  /** A queued slot this worker now owns, or -1. */
  private findWork(): number {
    const mine = this.own.pop();
    if (mine >= 0) return mine;
    const injected = this.injector.pop();
    if (injected >= 0) return injected;
    // Try every other deque once, starting with the last one that had work.
    const n = this.deques.length;
    for (let k = 0; k < n; k++) {
      const victim = (this.victim + k) % n;
      if (victim === this.index) continue;
      const deque = this.deques[victim]!;
      for (;;) {
        const stolen = deque.steal();
        if (stolen === STEAL_RETRY) continue;
        if (stolen >= 0) {
          this.victim = victim;
          Atomics.add(this.w, Header.Stolen, 1);
          return stolen;
        }
        break;
      }
    }
    return -1;
  }

  private hasWork(): boolean {
    if (this.injector.size > 0) return true;
    for (const deque of this.deques) if (deque.size > 0) return true;
    return false;
  }

  /** Wake one sleeping worker if any sleeps (after making work visible). */
  wakeOne(): void {
    wakeSleepers(this.w, 1);
  }

  // ---- running ------------------------------------------------------------

  private fnRef(slot: number): Exclude<FunctionRef, { kind: 'closure' }> {
    return this.table.refOf(Atomics.load(this.w, this.memory.slotWord(slot) + Slot.FnId));
  }

  /** The slot's function if it can run now without importing a module. */
  private fnNow(slot: number): AnyFunction | undefined {
    if (this.heap) return this.heap.fns[slot] as AnyFunction;
    const id = Atomics.load(this.w, this.memory.slotWord(slot) + Slot.FnId);
    let fn = this.fns[id];
    if (!fn) {
      fn = resolveFunctionSync(this.table.refOf(id));
      this.fns[id] = fn;
    }
    return fn;
  }

  /** Load the slot's function, importing its module if needed. Failures are reported as the task's failure. */
  private async load(slot: number): Promise<boolean> {
    if (this.fnNow(slot)) return true;
    try {
      const id = Atomics.load(this.w, this.memory.slotWord(slot) + Slot.FnId);
      this.fns[id] = await resolveFunction(this.fnRef(slot));
      return true;
    } catch (err) {
      this.begin(slot);
      this.finish(slot, TaskState.Failed, err);
      return false;
    }
  }

  private begin(slot: number): number {
    const base = this.memory.slotWord(slot);
    Atomics.store(this.w, base + Slot.Runner, this.index + 1);
    Atomics.store(this.w, base + Slot.State, TaskState.Running);
    this.memory.times[slot * 3 + 1] = epochNow();
    const flags = Atomics.load(this.w, base + Slot.Flags);
    if (flags & SlotFlag.TopLevel) Atomics.add(this.w, Header.TopStarted, 1);
    if (flags & SlotFlag.ReportStart) this.post({ type: 'task-started', slot });
    return flags;
  }

  /**
   * Run the task in `slot` (its function must be loaded). Returns a promise
   * only when the task itself is asynchronous.
   */
  run(slot: number, pinnedArgs?: readonly unknown[]): Promise<void> | undefined {
    const base = this.memory.slotWord(slot);
    let args: unknown[] | typeof UNKNOWN_BUFFER;
    try {
      // Pinned arguments may hold shareables (their state is shared memory, hence the message): revive them.
      // Their buffers arrive as numbers (the task's `buffers` message came first on the same port).
      args = pinnedArgs
        ? (decodeShareables(revivePinned(pinnedArgs)) as unknown[])
        : this.transport.takeArgs(slot, Atomics.load(this.w, base + Slot.ArgsLength), Atomics.load(this.w, base + Slot.Flags));
    } catch (err) {
      this.begin(slot);
      this.finish(slot, TaskState.Failed, err);
      return undefined;
    }
    if (args === UNKNOWN_BUFFER) {
      // A fork whose `buffers` message is still in this worker's queue: give it back, read messages.
      if (!this.injector.push(slot)) throw new Error('internal: the injector refused a task');
      this.wakeOne();
      this.needsMessages = true;
      return undefined;
    }
    const flags = this.begin(slot);
    if (Atomics.load(this.w, base + Slot.Cancel) !== 0) {
      this.finish(slot, TaskState.Cancelled, undefined);
      return undefined;
    }
    let unwatch: (() => void) | undefined;
    if (flags & SlotFlag.Signal) {
      // Shared-heap threads have no event loop of their own (no timers): their tasks poll `signal.aborted`.
      args.push(taskSignal(this.w, base + Slot.Cancel, (check) => (unwatch = this.heap ? undefined : this.watcher.watch(check))));
    }
    let result: unknown;
    try {
      result = this.fnNow(slot)!(...args);
    } catch (err) {
      unwatch?.();
      this.finish(slot, TaskState.Failed, err);
      return undefined;
    }
    if (!isThenable(result)) {
      unwatch?.();
      this.finish(slot, TaskState.Done, result);
      return undefined;
    }
    return Promise.resolve(result).then(
      (value) => {
        unwatch?.();
        this.finish(slot, TaskState.Done, value);
      },
      (err: unknown) => {
        unwatch?.();
        this.finish(slot, TaskState.Failed, err);
      },
    );
  }

  /**
   * Publish a task's outcome (its value, or for `Failed` the thrown error):
   * payload first, then the state word (which joiners and the caller read).
   */
  private finish(slot: number, state: number, outcome: unknown): void {
    const base = this.memory.slotWord(slot);
    const flags = Atomics.load(this.w, base + Slot.Flags);
    let length: number;
    ({ state, length } = this.transport.putOutcome(slot, state, outcome, flags, this.post));
    this.memory.times[slot * 3 + 2] = epochNow();
    Atomics.store(this.w, base + Slot.ResultLength, length);
    // Publishes payload and length: a joiner reads them after seeing a terminal state.
    Atomics.store(this.w, base + Slot.State, state);
    // Only forks have joiners waiting on the state word; the caller learns of top-level tasks below.
    if (!(flags & SlotFlag.TopLevel)) futexNotify(this.w, base + Slot.State);
    if (flags & SlotFlag.TopLevel) {
      // Cannot fail: the ring has a cell for every slot.
      if (!this.completions.push(slot)) throw new Error('internal: the completion queue refused a task');
      wakeCaller(this.w);
    }
  }

  // ---- the top-level loop -------------------------------------------------

  /** Run tasks until the pool shuts down. */
  async loop(): Promise<void> {
    const w = this.w;
    while (Atomics.load(w, Header.Shutdown) === 0) {
      const sliceEnd = performance.now() + SLICE_MS;
      let ran = false;
      for (;;) {
        const slot = this.findWork();
        if (slot < 0) break;
        ran = true;
        if (!this.fnNow(slot) && !(await this.load(slot))) continue;
        const pending = this.run(slot);
        if (pending) void trackAsync(pending);
        if (this.needsMessages) {
          this.needsMessages = false;
          break;
        }
        if (performance.now() > sliceEnd) break;
      }
      if (ran) {
        await yieldToEventLoop();
        continue;
      }
      // Idle: look again for a moment, then sleep until a producer bumps WakeSeq.
      const spinEnd = performance.now() + SPIN_MS;
      while (performance.now() < spinEnd && !this.hasWork()) {
        /* spin */
      }
      if (this.hasWork()) continue;
      const seq = beginSleep(w);
      // Re-check after announcing: a producer that pushed before this saw Sleepers = 0 and woke nobody.
      // A message posted before `seq` was read is counted by then: it is handled instead of slept past.
      let slept = false;
      if (this.messageWaiting()) {
        endSleep(w);
        await yieldToEventLoop();
        continue;
      }
      if (!this.hasWork() && Atomics.load(w, Header.Shutdown) === 0) {
        if (asyncInFlight()) {
          // Async work needs this event loop: sleep without blocking it.
          const wait = Atomics.waitAsync(w, Header.WakeSeq, seq, 1_000);
          if (wait.async) await wait.value;
        } else {
          // A blocking wait wakes in microseconds. The caller bumps WakeSeq after every message it
          // posts, so a message ends the wait too; the bound lets timers run now and then.
          blockingWait(w, Header.WakeSeq, seq, BLOCKING_SLEEP_MS);
          slept = true;
        }
      }
      endSleep(w);
      // Let messages (map jobs, pinned tasks) and timers in before looking for work again.
      if (slept && !this.hasWork()) await yieldToEventLoop();
    }
  }

  // ---- shared-heap threads (native backend) ----------------------------------

  /** True on a shared-heap thread: tasks and forks pass by identity. */
  get sharesHeap(): boolean {
    return this.heap !== undefined;
  }

  /** The number of workers in this worker's pool. */
  get poolSize(): number {
    return this.memory.sizes.workers;
  }

  /**
   * Run queued tasks synchronously for a slice (a shared-heap thread has no
   * event loop to return to), stopping early when `interrupted()` (a message
   * waits, or the thread was retired: a replacement may own this index's
   * deque by now). True when any ran.
   */
  runReady(interrupted: () => boolean): boolean {
    const sliceEnd = performance.now() + SLICE_MS;
    let ran = false;
    for (;;) {
      const slot = this.findWork();
      if (slot < 0) return ran;
      ran = true;
      // An async task settles wherever its promise's reactions run; finish() may run on any thread.
      void this.run(slot);
      if (performance.now() > sliceEnd || interrupted()) return ran;
    }
  }

  /**
   * Sleep until WakeSeq moves, `interrupted()` (say, a message arrived) or
   * the pool shuts down: the same announce / re-check protocol as `loop()`,
   * parked with the Thread API's property wait. With no time-out: every
   * WakeSeq bump and every message wakes the park, and an idle thread parked
   * for good lets the process exit.
   */
  sleepBlocking(interrupted: () => boolean): void {
    const w = this.w;
    const seq = beginSleep(w);
    if (!this.hasWork() && Atomics.load(w, Header.Shutdown) === 0) {
      parkUntil(() => Atomics.load(w, Header.WakeSeq) !== seq || interrupted(), Infinity, Header.WakeSeq, Infinity);
    }
    endSleep(w);
  }

  /** Run a task pinned to this worker by message. */
  async runPinned(slot: number, args: readonly unknown[]): Promise<void> {
    if (!this.fnNow(slot) && !(await this.load(slot))) return;
    await this.run(slot, args);
  }

  // ---- fork / join ----------------------------------------------------------

  /** Fork `fn(...args)`: queue it on this worker's deque, where idle workers can steal it. */
  fork<R>(fn: AnyFunction, args: unknown[], shippable?: Exclude<FunctionRef, { kind: 'closure' }>): WorkerForkHandle<R> {
    const prepared = this.transport.prepareFork(args);
    const slot = prepared ? takeSlot(this.memory) : -1;
    // No slot, or arguments that cannot go in one: run it here, now (same result, no parallelism).
    if (!prepared || slot < 0) return settledHandle<R>(() => fn(...args) as R);
    let fnId = 0;
    if (!this.transport.byIdentity) {
      fnId = this.table.idOf(shippable ?? loadedRef(fn));
      if (!this.fns[fnId]) this.fns[fnId] = fn;
    }
    this.queueFork(slot, fnId, this.transport.putFork(slot, fn, args, prepared), prepared.flags);
    return new SlotHandle<R>(this, slot);
  }

  /** Publish a forked slot's words and push it on this worker's deque (or run it now when the deque is full). */
  private queueFork(slot: number, fnId: number, argsLength: number, flags: number): void {
    const base = this.memory.slotWord(slot);
    const w = this.w;
    Atomics.store(w, base + Slot.FnId, fnId);
    Atomics.store(w, base + Slot.ArgsLength, argsLength);
    Atomics.store(w, base + Slot.Flags, flags);
    Atomics.store(w, base + Slot.Parent, this.index + 1);
    Atomics.store(w, base + Slot.Cancel, 0);
    Atomics.store(w, base + Slot.Runner, 0);
    this.memory.times[slot * 3] = epochNow();
    Atomics.store(w, base + Slot.State, TaskState.Queued);
    if (!this.own.push(slot)) {
      // Deque full: run it inline now.
      void this.run(slot);
    } else {
      this.wakeOne();
    }
  }

  /** Block until `slot` finishes, running other tasks meanwhile; returns its result or throws its error. */
  join(slot: number): unknown {
    const w = this.w;
    const stateWord = this.memory.slotWord(slot) + Slot.State;
    for (;;) {
      const state = Atomics.load(w, stateWord);
      if (state >= TaskState.Done) return this.take(slot);
      const other = this.findWork();
      if (other >= 0) {
        if (this.fnNow(other)) {
          void this.run(other);
          if (this.needsMessages) {
            // Given back (its buffers are not known here yet): the forker or another worker will run it.
            this.needsMessages = false;
            blockingWait(w, stateWord, state, 1);
          }
        } else {
          // Its module is not loaded here and cannot be imported while blocked: hand it back.
          if (!this.injector.push(other)) throw new Error('internal: the injector refused a task');
          this.wakeOne();
          blockingWait(w, stateWord, state, 1);
        }
        continue;
      }
      // Woken by finish()'s notify; the 1 ms bound also catches Queued -> Running changes.
      blockingWait(w, stateWord, state, 1);
    }
  }

  /** Wait for `slot` without blocking (for `await handle`). */
  async joinAsync(slot: number): Promise<unknown> {
    const w = this.w;
    const stateWord = this.memory.slotWord(slot) + Slot.State;
    for (;;) {
      const state = Atomics.load(w, stateWord);
      if (state >= TaskState.Done) return this.take(slot);
      const wait = Atomics.waitAsync(w, stateWord, state, 5);
      if (wait.async) await wait.value;
    }
  }

  /** Read a finished forked task's outcome and free its slot. */
  private take(slot: number): unknown {
    const base = this.memory.slotWord(slot);
    const state = Atomics.load(this.w, base + Slot.State);
    const value = this.transport.takeOutcome(slot, state, Atomics.load(this.w, base + Slot.ResultLength));
    releaseSlot(this.memory, slot);
    if (state === TaskState.Done) return value;
    if (state === TaskState.Cancelled) throw new Error('The forked task was cancelled');
    // Revived from its serialized form, or on a shared heap the very object the task threw.
    throw value;
  }
}

/** A pinned task's arguments with their numbered buffers revived (its `buffers` message always comes first). */
function revivePinned(args: readonly unknown[]): unknown[] {
  const revived = reviveBuffers([...args]);
  if (revived === UNKNOWN_BUFFER) throw new Error('internal: a pinned task refers to a shared buffer its worker was never told of');
  return revived as unknown[];
}

