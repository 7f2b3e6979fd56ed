/**
 * The main loop of a native backend's thread: the worker runtime on a
 * shared-heap `Thread`, fed through its mailbox. It lives here, beside the
 * worker runtime, and is handed to the backend (see `wiring.ts`), so that
 * backend/ never imports runtime/.
 *
 * @experimental The Thread API ships in no released engine yet.
 * @module
 */
import type { WorkerEndpoint } from '../backend/backend.js';
import { announceToCaller, type Inbox, type Outbox } from '../backend/mailbox.js';
import type { ToWorker } from '../protocol.js';
import { canBlock } from '../sync/futex.js';
import type { NativeThreadMain } from '../backend/native-thread.js';
import { prepareSharedHeapRuntime, startWorkerRuntime } from './start-worker-runtime.js';

/**
 * Thread side: one synchronous loop (a spawned thread has no event loop).
 * It handles mailbox messages, runs the Pool's tasks from the shared
 * scheduler, and sleeps when there is neither: parked until WakeSeq moves or
 * a message arrives (the caller wakes parked threads after each post), or on
 * the mailbox's Condition before the pool's `init` has arrived. Blocking
 * calls drop the engine's global lock, so other threads run meanwhile.
 *
 * @example
 * ```ts
 * new Thread(nativeThreadMain, inbox, outbox);
 * ```
 */
export function nativeThreadMain(inbox: Inbox, outbox: Outbox): void {
  let handler: ((message: ToWorker) => void) | undefined;
  const endpoint: WorkerEndpoint = {
    post(message) {
      // An async task's continuation may run on the calling thread, which must not block: hold the lock asynchronously there.
      if (!canBlock()) {
        void outbox.lock.asyncHold().then((release) => {
          outbox.queue.push(message);
          release();
          announceToCaller(outbox);
        });
        return;
      }
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

/** What the native backend's threads run, for `provideNativeThreadMain` (see `src/wiring.ts`). */
export const nativeThread: NativeThreadMain = { prepare: prepareSharedHeapRuntime, main: nativeThreadMain };
