/**
 * The runtime every worker (or native thread) runs: take map jobs and pinned
 * tasks from messages, and run the pool's scheduler loop on shared memory.
 *
 * @module
 */
import type { WorkerEndpoint } from '../backend/backend.js';
import type { ToWorker } from '../protocol.js';
import { runMapJob } from './run-map-job.js';
import { trackAsync } from './async-work.js';
import { WorkerScheduler } from './worker-scheduler.js';
import { adoptDeadThreads } from '../sync/dead-threads.js';
import { currentThreadId } from '../sync/thread-id.js';

/** Where `fork`/`join` (in the user's copy of Weft) find this worker's scheduler. */
export const SCHEDULER_KEY = Symbol.for('weft.workerScheduler');

/** How a runtime is started. */
export interface RuntimeOptions {
  /**
   * Run the Pool's shared-memory scheduler (default true). Native threads
   * pass false: under the engine's global lock they may not block in a
   * typed-array `Atomics.wait`, and their async continuations would run on
   * another thread, so they take map jobs from their mailbox only.
   */
  readonly scheduler?: boolean;
}

/** Start the runtime on an endpoint: listen for messages, then say `ready`. */
export function startWorkerRuntime(endpoint: WorkerEndpoint, options: RuntimeOptions = {}): void {
  const post = endpoint.post;
  let scheduler: WorkerScheduler | undefined;
  endpoint.listen((message: ToWorker) => {
    switch (message.type) {
      case 'map':
        void trackAsync(runMapJob(message, post));
        break;
      case 'init':
        adoptDeadThreads(message.deadThreads);
        if (options.scheduler === false) break;
        scheduler = new WorkerScheduler(message, post);
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
}
