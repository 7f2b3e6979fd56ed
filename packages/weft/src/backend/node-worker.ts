/**
 * Backend for Node's `worker_threads`. The worker runtime is built into the
 * package as source text and started with `eval: true`, so users never ship a
 * worker file: it works from an npm install, under tsx, and bundled.
 *
 * @module
 */
import type { Backend, ContextEvents, ExecutionContext, SpawnOptions, WorkerEndpoint } from './backend.js';
import type { FromWorker, ToWorker } from '../protocol.js';

type WorkerThreads = typeof import('node:worker_threads');
type NodeOs = typeof import('node:os');

/** Kept in variables so bundlers targeting browsers do not try to resolve them. */
const WORKER_THREADS = 'node:worker_threads';
const OS = 'node:os';

/** True on Node itself (not on Bun or Deno, which get the Web Worker backend). */
export function isNode(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; Bun?: unknown; Deno?: unknown };
  return typeof g.process?.versions?.node === 'string' && g.Bun === undefined && g.Deno === undefined;
}

/** Create the Node backend; `workerSource` is the worker runtime's bundled source. */
export async function createNodeWorkerBackend(workerSource: string): Promise<Backend> {
  const threads = (await import(/* @vite-ignore */ WORKER_THREADS)) as WorkerThreads;
  const os = (await import(/* @vite-ignore */ OS)) as NodeOs;
  return {
    name: 'node-worker',
    kind: 'workers',
    parallelism: () => os.availableParallelism(),
    spawn(events: ContextEvents, options: SpawnOptions = {}): ExecutionContext {
      const worker = new threads.Worker(workerSource, {
        eval: true,
        name: 'weft',
        // Inherit the process's flags (loaders such as tsx) but not --input-type: the runtime is a classic script.
        execArgv: process.execArgv.filter((arg) => !arg.startsWith('--input-type')),
        ...(options.resourceLimits ? { resourceLimits: { ...options.resourceLimits } } : {}),
      });
      let exited = false;
      let fatal: unknown;
      worker.on('message', (message: FromWorker) => events.message(message));
      // An uncaught error kills a Node worker; 'exit' always follows.
      worker.on('error', (err) => {
        fatal = err;
      });
      worker.on('exit', (code) => {
        if (exited) return;
        exited = true;
        events.exit(code, fatal);
      });
      return {
        post: (message: ToWorker) => worker.postMessage(message),
        ref: () => worker.ref(),
        unref: () => worker.unref(),
        terminate: () => {
          void worker.terminate();
        },
      };
    },
  };
}

/** Worker side: the endpoint of a Node worker, or `undefined` when this is not one. */
export function nodeWorkerEndpoint(): WorkerEndpoint | undefined {
  // An `eval: true` worker script has `require` as a global.
  const req = (globalThis as { require?: (id: string) => unknown }).require;
  if (typeof req !== 'function') return undefined;
  let port: WorkerThreads['parentPort'];
  try {
    port = (req(WORKER_THREADS) as WorkerThreads).parentPort;
  } catch {
    return undefined;
  }
  if (!port) return undefined;
  const parent = port;
  return {
    post: (message: FromWorker) => parent.postMessage(message),
    listen: (handler: (message: ToWorker) => void) => {
      parent.on('message', handler);
    },
  };
}
