/**
 * The runtime every worker (or native thread) runs: take map jobs and pinned
 * tasks from messages, and run the pool's scheduler loop on shared memory.
 *
 * @module
 */
import type { WorkerEndpoint } from '../backend/backend.js';
import type { ToWorker } from '../protocol.js';
import { runMapJob } from './run-map-job.js';
import { runNestedChunk } from './run-nested-chunk.js';
import { RUN_CHUNK_KEY } from '../task/current-scheduler.js';
import { trackAsync } from './async-work.js';
import { WorkerScheduler } from './worker-scheduler.js';
import { adoptDeadThreads } from '../sync/dead-threads.js';
import { currentThreadId } from '../sync/thread-id.js';
import { adoptBuffers, forgetBuffers } from '../sched/shared-buffers.js';
import { threadApi, type ThreadLocalLike } from '../engine/thread-api.js';

/** Where `fork`/`join` (in the user's copy of Weft) find this worker's scheduler. */
export const SCHEDULER_KEY = Symbol.for('weft.workerScheduler');

/** How a runtime is started. */
export interface RuntimeOptions {
  /**
   * A shared-heap thread of the native backend (default false). Such a
   * thread has no event loop and shares `globalThis` with every other
   * thread: the scheduler is not looped here but driven by the thread's own
   * synchronous loop (`runReady` / `sleepBlocking`), and `fork` finds it
   * through a `ThreadLocal`.
   */
  readonly sharedHeap?: boolean;
}

/** A started runtime, as the thread that runs it sees it. */
export interface Runtime {
  /** The Pool's scheduler, once the `init` message has arrived. */
  scheduler(): WorkerScheduler | undefined;
}

/** Per-thread scheduler slot of shared-heap threads (see {@link prepareSharedHeapRuntime}). */
let schedulerLocal: ThreadLocalLike | undefined;

/**
 * Before spawning shared-heap threads (on the main thread): make
 * `globalThis[SCHEDULER_KEY]` read a `ThreadLocal`, so that each thread's
 * `fork` finds its own scheduler although they all share `globalThis`.
 */
export function prepareSharedHeapRuntime(): void {
  if (schedulerLocal) return;
  const { ThreadLocal } = threadApi()!;
  const local = new ThreadLocal();
  Object.defineProperty(globalThis, SCHEDULER_KEY, { get: () => local.value, configurable: true });
  schedulerLocal = local;
}

/** Start the runtime on an endpoint: listen for messages, then say `ready`. */
export function startWorkerRuntime(endpoint: WorkerEndpoint, options: RuntimeOptions = {}): Runtime {
  const post = endpoint.post;
  let scheduler: WorkerScheduler | undefined;
  // Nested parallelMap calls in tasks fork chunks that call this (see map/nested-map.ts).
  Object.defineProperty(globalThis, RUN_CHUNK_KEY, { value: runNestedChunk, configurable: true });
  // Messages received, the init included: the scheduler compares it with the caller's count before sleeping.
  let received = 0;
  endpoint.listen((message: ToWorker) => {
    received++;
    switch (message.type) {
      case 'map':
        void trackAsync(runMapJob(message, post, endpoint.itemReader?.bind(endpoint)));
        break;
      case 'buffers':
        adoptBuffers(message.add);
        forgetBuffers(message.forget);
        break;
      case 'init':
        adoptDeadThreads(message.deadThreads);
        adoptBuffers(message.buffers ?? []);
        scheduler = new WorkerScheduler(message, post, () => received);
        if (options.sharedHeap) {
          if (!schedulerLocal) throw new Error('internal: prepareSharedHeapRuntime() was not called before spawning');
          schedulerLocal.value = scheduler;
          break;
        }
        Object.defineProperty(globalThis, SCHEDULER_KEY, { value: scheduler, configurable: true });
        scheduler.loop().catch((err: unknown) => {
          // A broken scheduler must not leave tasks waiting: crash, so the pool fails this worker's task and replaces it.
          setTimeout(() => {
            throw err;
          });
        });
        break;
      case 'task':
        if (scheduler) void trackAsync(scheduler.runPinned(message.slot, message.args));
        break;
    }
  });
  post({ type: 'ready', threadId: currentThreadId() });
  return { scheduler: () => scheduler };
}
