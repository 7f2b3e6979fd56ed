/**
 * Backend for the engine's shared-heap Thread API (see THREAD-API.md): the
 * worker runtime runs on a `Thread` in the same heap, so functions run as
 * closures and values pass by identity. Messages travel through a mailbox
 * guarded by the engine's `Lock` and `Condition`; the calling thread only
 * ever uses their async forms (it may not be allowed to block).
 *
 * @experimental The Thread API ships in no released engine yet.
 * @module
 */
import type { Backend, ContextEvents, ExecutionContext, WorkerEndpoint } from './backend.js';
import type { FromWorker, ToWorker } from '../protocol.js';
import { prepareSharedHeapRuntime, startWorkerRuntime } from '../runtime/start-worker-runtime.js';
import { enableThreadParking, wakeParkedThreads } from '../sync/futex.js';
import { hasThreadApi, threadApi, type ConditionLike, type LockLike } from './thread-api.js';

let probe: Promise<boolean> | undefined;

/** Full detection, once per process: the globals exist and a thread really runs (`asyncJoin`, never `join`). */
export function probeThreadApi(): Promise<boolean> {
  probe ??= (async () => {
    if (!hasThreadApi()) return false;
    try {
      const { Thread } = threadApi()!;
      return (await new Thread(() => 1).asyncJoin()) === 1;
    } catch {
      return false;
    }
  })();
  return probe;
}

/** A one-way queue between two threads of the same heap, guarded by `lock`. */
interface Mailbox<T> {
  readonly lock: LockLike;
  readonly queue: T[];
  closed: boolean;
}

/** Caller → thread. The thread waits on `ready` before the pool's `init`, afterwards parked in the scheduler. */
interface Inbox extends Mailbox<ToWorker> {
  readonly ready: ConditionLike;
}

/** Thread → caller. */
interface Outbox extends Mailbox<FromWorker> {
  /** What ended the thread, when it threw. */
  failure: { error: unknown } | undefined;
  /**
   * Bumped (and notified) after every change: the caller waits with
   * `Atomics.waitAsync`, which (unlike a pending `asyncWait` or `asyncJoin`)
   * does not keep the process alive, so an idle pool lets it exit.
   */
  readonly changes: Int32Array;
}

/** Wake the thread reading `inbox`, wherever it waits: on the inbox's Condition, or parked in the scheduler's sleep. */
function announceToThread(inbox: Inbox): void {
  inbox.ready.notifyAll();
  wakeParkedThreads();
}

/** Wake the caller reading `outbox` (its `waitAsync` on the change counter). */
function announceToCaller(outbox: Outbox): void {
  Atomics.add(outbox.changes, 0, 1);
  Atomics.notify(outbox.changes, 0);
}

/**
 * Thread side: one synchronous loop (a spawned thread has no event loop).
 * It handles mailbox messages, runs the Pool's tasks from the shared
 * scheduler, and sleeps when there is neither: parked until WakeSeq moves or
 * a message arrives (the caller wakes parked threads after each post), or on
 * the mailbox's Condition before the pool's `init` has arrived. Blocking
 * calls drop the engine's global lock, so other threads run meanwhile.
 */
function threadMain(inbox: Inbox, outbox: Outbox): void {
  let handler: ((message: ToWorker) => void) | undefined;
  const endpoint: WorkerEndpoint = {
    post(message) {
      outbox.lock.hold(() => outbox.queue.push(message));
      // The caller re-checks the queue after its waitAsync, so no wake-up is lost.
      announceToCaller(outbox);
    },
    listen(h) {
      handler = h;
    },
  };
  const runtime = startWorkerRuntime(endpoint, { sharedHeap: true });
  const interrupted = (): boolean => inbox.lock.hold(() => inbox.queue.length > 0 || inbox.closed);
  try {
    for (;;) {
      const [batch, closed] = inbox.lock.hold(() => [inbox.queue.splice(0), inbox.closed] as const);
      for (const message of batch) handler?.(message);
      if (closed) return;
      const scheduler = runtime.scheduler();
      if (scheduler) {
        if (!scheduler.runReady(interrupted) && batch.length === 0) scheduler.sleepBlocking(interrupted);
      } else if (batch.length === 0) {
        inbox.lock.hold(() => {
          // Predicate loop: spurious wake-ups are allowed by the API.
          while (inbox.queue.length === 0 && !inbox.closed) inbox.ready.wait(inbox.lock);
        });
      }
    }
  } catch (error) {
    // The caller reports it as this context's exit (the thread's own result is never awaited).
    outbox.failure = { error };
  } finally {
    // Ends the caller's pump once it has drained the queue.
    outbox.lock.hold(() => {
      outbox.closed = true;
    });
    announceToCaller(outbox);
  }
}

/** Create the native backend. Call only after {@link probeThreadApi} resolved `true`. */
export function createNativeThreadBackend(parallelism: number): Backend {
  const g = threadApi()!;
  // Before any thread exists: the park every blocking wait uses, and the per-thread scheduler slot.
  enableThreadParking();
  prepareSharedHeapRuntime();
  return {
    name: 'native-thread',
    kind: 'native',
    parallelism: () => parallelism,
    spawn(events: ContextEvents): ExecutionContext {
      const inbox: Inbox = { lock: new g.Lock(), queue: [], closed: false, ready: new g.Condition() };
      const outbox: Outbox = { lock: new g.Lock(), queue: [], closed: false, failure: undefined, changes: new Int32Array(new SharedArrayBuffer(4)) };
      new g.Thread(threadMain as (...args: never[]) => unknown, inbox, outbox);
      let exited = false;
      const exit = (code: number | null, error: unknown): void => {
        if (exited) return;
        exited = true;
        events.exit(code, error);
      };
      // Caller side: async forms only. The thread's end arrives through the outbox (closed, maybe
      // with its failure), so nothing here keeps the process alive but `ref()`.
      const pump = async (): Promise<void> => {
        for (;;) {
          const seen = Atomics.load(outbox.changes, 0);
          const release = await outbox.lock.asyncHold();
          const batch = outbox.queue.splice(0);
          const closed = outbox.closed;
          release();
          for (const message of batch) events.message(message);
          if (closed) {
            const failure = outbox.failure;
            exit(failure ? 1 : 0, failure?.error);
            return;
          }
          const wait = Atomics.waitAsync(outbox.changes, 0, seen);
          if (wait.async) await wait.value;
        }
      };
      void pump();
      const close = (): void => {
        void inbox.lock.asyncHold().then((release) => {
          inbox.closed = true;
          release();
          announceToThread(inbox);
        });
      };
      let keepAlive: ReturnType<typeof setInterval> | undefined;
      return {
        post(message) {
          void inbox.lock.asyncHold().then((release) => {
            inbox.queue.push(message);
            release();
            announceToThread(inbox);
          });
        },
        // While the pool has work for it: a pending waitAsync alone does not keep Node alive.
        ref: () => {
          keepAlive ??= setInterval(() => {}, 1 << 30);
        },
        unref: () => {
          clearInterval(keepAlive);
          keepAlive = undefined;
        },
        // A thread cannot be cancelled: closing its mailbox ends it once its current work returns.
        terminate: close,
      };
    },
  };
}
