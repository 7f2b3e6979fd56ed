/**
 * The runtime loop every worker (or native thread) runs: take jobs from the
 * endpoint, run them, report back.
 *
 * @module
 */
import type { WorkerEndpoint } from '../backend/backend.js';
import type { ToWorker } from '../protocol.js';
import { runMapJob } from './run-map-job.js';

/** Start the runtime on an endpoint: listen for jobs, then say `ready`. */
export function startWorkerRuntime(endpoint: WorkerEndpoint): void {
  const post = endpoint.post;
  endpoint.listen((message: ToWorker) => {
    switch (message.type) {
      case 'map':
        void runMapJob(message, post);
        break;
    }
  });
  post({ type: 'ready' });
}
