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
import type { Backend, ContextEvents, ExecutionContext } from './backend.js';
import { announceToThread, type Inbox, type Outbox } from './mailbox.js';
import { enableThreadParking } from '../sync/futex.js';
import { hasThreadApi, threadApi } from '../engine/thread-api.js';

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

/**
 * What runs on each spawned thread, handed in from above (the worker
 * runtime lives in runtime/, which this backend does not import): `prepare`
 * once before any thread exists, then `main(inbox, outbox)` on each thread.
 */
export interface NativeThreadMain {
  readonly prepare: () => void;
  readonly main: (inbox: Inbox, outbox: Outbox) => void;
}

/**
 * Create the native backend. Call only after {@link probeThreadApi} resolved `true`.
 *
 * @example
 * ```ts
 * const backend = createNativeThreadBackend(4, { prepare: prepareSharedHeapRuntime, main: nativeThreadMain });
 * ```
 */
export function createNativeThreadBackend(parallelism: number, thread: NativeThreadMain): Backend {
  const g = threadApi()!;
  // Before any thread exists: the park every blocking wait uses, and the per-thread scheduler slot.
  enableThreadParking();
  thread.prepare();
  return {
    name: 'native-thread',
    kind: 'native',
    parallelism: () => parallelism,
    spawn(events: ContextEvents): ExecutionContext {
      const inbox: Inbox = { lock: new g.Lock(), queue: [], closed: false, ready: new g.Condition() };
      const outbox: Outbox = { lock: new g.Lock(), queue: [], closed: false, failure: undefined, changes: new Int32Array(new SharedArrayBuffer(4)) };
      new g.Thread(thread.main as (...args: never[]) => unknown, inbox, outbox);
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
