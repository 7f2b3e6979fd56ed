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
import { startWorkerRuntime } from '../runtime/start-worker-runtime.js';

interface ThreadLike {
  join(): unknown;
  asyncJoin(): Promise<unknown>;
  readonly id: number;
}
interface LockLike {
  hold<T>(fn: () => T): T;
  asyncHold(): Promise<() => void>;
}
interface ConditionLike {
  wait(lock: LockLike): void;
  asyncWait(lock: LockLike): Promise<() => void>;
  notify(): number;
  notifyAll(): number;
}
interface ThreadGlobals {
  Thread?: (new (fn: (...args: never[]) => unknown, ...args: unknown[]) => ThreadLike) & { current?: ThreadLike };
  Lock?: new () => LockLike;
  Condition?: new () => ConditionLike;
}

/** True where the engine exposes the Thread API's globals (the cheap, synchronous half of detection). */
export function hasThreadApi(): boolean {
  const g = globalThis as unknown as ThreadGlobals;
  return (
    typeof g.Thread === 'function' &&
    typeof g.Lock === 'function' &&
    typeof g.Condition === 'function' &&
    'current' in g.Thread
  );
}

let probe: Promise<boolean> | undefined;

/** Full detection, once per process: the globals exist and a thread really runs (`asyncJoin`, never `join`). */
export function probeThreadApi(): Promise<boolean> {
  probe ??= (async () => {
    if (!hasThreadApi()) return false;
    try {
      const Thread = (globalThis as unknown as ThreadGlobals).Thread!;
      return (await new Thread(() => 1).asyncJoin()) === 1;
    } catch {
      return false;
    }
  })();
  return probe;
}

/** A one-way queue between two threads of the same heap. */
interface Mailbox<T> {
  readonly lock: LockLike;
  readonly ready: ConditionLike;
  readonly queue: T[];
  closed: boolean;
}

function mailbox<T>(g: Required<ThreadGlobals>): Mailbox<T> {
  return { lock: new g.Lock(), ready: new g.Condition(), queue: [], closed: false };
}

/**
 * Thread side: receive with blocking waits (a spawned thread may block; the
 * wait drops the engine's global lock, so other threads run meanwhile).
 */
function threadMain(inbox: Mailbox<ToWorker>, outbox: Mailbox<FromWorker>): void {
  let handler: ((message: ToWorker) => void) | undefined;
  const endpoint: WorkerEndpoint = {
    post(message) {
      outbox.lock.hold(() => outbox.queue.push(message));
      // Wakes the caller's asyncWait; it re-checks the queue under the lock, so no wake-up is lost.
      outbox.ready.notifyAll();
    },
    listen(h) {
      handler = h;
    },
  };
  startWorkerRuntime(endpoint, { scheduler: false });
  try {
    for (;;) {
      const message = inbox.lock.hold(() => {
        // Predicate loop: spurious wake-ups are allowed by the API.
        while (inbox.queue.length === 0 && !inbox.closed) inbox.ready.wait(inbox.lock);
        return inbox.queue.shift();
      });
      if (message === undefined) return;
      handler?.(message);
    }
  } finally {
    // Ends the caller's pump once it has drained the queue.
    outbox.lock.hold(() => {
      outbox.closed = true;
    });
    outbox.ready.notifyAll();
  }
}

/** Create the native backend. Call only after {@link probeThreadApi} resolved `true`. */
export function createNativeThreadBackend(parallelism: number): Backend {
  const g = globalThis as unknown as Required<ThreadGlobals>;
  return {
    name: 'native-thread',
    kind: 'native',
    parallelism: () => parallelism,
    spawn(events: ContextEvents): ExecutionContext {
      const inbox = mailbox<ToWorker>(g);
      const outbox = mailbox<FromWorker>(g);
      const thread = new g.Thread(threadMain as (...args: never[]) => unknown, inbox, outbox);
      let exited = false;
      const exit = (code: number | null, error: unknown): void => {
        if (exited) return;
        exited = true;
        events.exit(code, error);
      };
      // Caller side: async forms only.
      const pump = async (): Promise<void> => {
        for (;;) {
          let release = await outbox.lock.asyncHold();
          while (outbox.queue.length === 0 && !outbox.closed) release = await outbox.ready.asyncWait(outbox.lock);
          const batch = outbox.queue.splice(0);
          const closed = outbox.closed;
          release();
          for (const message of batch) events.message(message);
          if (closed) return;
        }
      };
      void pump();
      thread.asyncJoin().then(
        () => exit(0, undefined),
        (err: unknown) => exit(1, err),
      );
      const close = (): void => {
        void inbox.lock.asyncHold().then((release) => {
          inbox.closed = true;
          release();
          inbox.ready.notifyAll();
        });
      };
      return {
        post(message) {
          void inbox.lock.asyncHold().then((release) => {
            inbox.queue.push(message);
            release();
            inbox.ready.notifyAll();
          });
        },
        ref: () => undefined,
        unref: () => undefined,
        // A thread cannot be cancelled: closing its mailbox ends it once its current work returns.
        terminate: close,
      };
    },
  };
}
