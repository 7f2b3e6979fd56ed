/**
 * The worker entry: what runs inside every worker. It is built into the
 * package as source text (see `backend/worker-source.ts`), so users never
 * ship a worker file.
 *
 * @module
 */
import { nodeWorkerEndpoint } from './backend/node-worker.js';
import { webWorkerEndpoint } from './backend/web-worker.js';
import { startWorkerRuntime } from './runtime/start-worker-runtime.js';
import './builtin-shareables.js';

const endpoint = nodeWorkerEndpoint() ?? webWorkerEndpoint();
if (endpoint) startWorkerRuntime(endpoint);
