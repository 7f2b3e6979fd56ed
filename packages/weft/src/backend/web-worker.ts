/**
 * Backend for Web Workers: browsers and Bun (Deno uses node-worker.ts: its Web Workers cannot be unref'd). The worker runtime is
 * built into the package as source text and started from a `blob:` URL, so
 * users never copy a worker file and bundlers need no configuration.
 *
 * @module
 */
import { blockDecoder, blockEncoder, streamableWithout } from './block-codec.js';
import { createItemStream, itemStreamReader, type ItemStream, type ItemStreamReader } from './item-stream.js';
import { BackendUnavailableError } from '../errors.js';
import type { Backend, ContextEvents, ExecutionContext, WorkerEndpoint } from './backend.js';
import type { FromWorker, ToWorker } from '../protocol.js';

/** What the backend uses of a Web Worker (checked against Bun's own types by test/types/bun-web-worker.ts). */
export interface WebWorker {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  postMessage(message: unknown): void;
  terminate(): void;
  addEventListener(type: string, listener: (event: { data?: unknown; error?: unknown; message?: string; preventDefault?: () => void }) => void): void;
  ref?: () => void;
  unref?: () => void;
}

/** The globals the backend reads (checked against Bun's own types by test/types/bun-web-worker.ts). */
export interface WebGlobals {
  Worker?: new (url: string | URL, options?: { type?: 'module' | 'classic'; name?: string }) => WebWorker;
  navigator?: { hardwareConcurrency?: number };
  Blob?: typeof Blob;
  URL?: typeof URL;
  SharedArrayBuffer?: unknown;
  crossOriginIsolated?: boolean;
}

/** True where `Worker` is a constructor (browsers, Bun, Deno). */
export function hasWebWorkers(): boolean {
  return typeof (globalThis as WebGlobals).Worker === 'function';
}

/**
 * Weft's workers share memory with the caller (scheduling state, chunk
 * counters, locks), so they need `SharedArrayBuffer`. Browsers only provide
 * it to cross-origin isolated pages; without it Weft refuses to start rather
 * than run in some degraded, different way.
 */
function requireSharedMemory(g: WebGlobals): void {
  if (typeof g.SharedArrayBuffer === 'function' && g.crossOriginIsolated !== false) return;
  throw new BackendUnavailableError(
    'workers',
    'Weft needs SharedArrayBuffer, which browsers provide only to cross-origin isolated pages ' +
      `(crossOriginIsolated is ${String(g.crossOriginIsolated)}, SharedArrayBuffer is ${typeof g.SharedArrayBuffer === 'function' ? 'present' : 'missing'}). ` +
      'Serve the page, and its workers and scripts, with the headers Cross-Origin-Opener-Policy: same-origin and ' +
      'Cross-Origin-Embedder-Policy: require-corp (or credentialless).',
  );
}

/** Create the Web Worker backend; `workerSource` is the worker runtime's bundled source. */
export function createWebWorkerBackend(workerSource: string): Backend {
  const g = globalThis as WebGlobals;
  const WorkerCtor = g.Worker;
  if (!WorkerCtor) throw new TypeError('Web Workers are not available on this platform');
  requireSharedMemory(g);
  const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  return {
    name: 'web-worker',
    kind: 'workers',
    parallelism: () => Math.max(1, g.navigator?.hardwareConcurrency ?? 4),
    // Arrays of strings or of numbers stream through shared memory; anything else is posted (cloned).
    streamItems: (items: readonly unknown[], from: number, blockSize: number): ItemStream | undefined =>
      streamableWithout(items) ? createItemStream(items, from, blockSize, blockEncoder()) : undefined,
    spawn(events: ContextEvents): ExecutionContext {
      const worker = new WorkerCtor(url, { type: 'module', name: 'weft' });
      let exited = false;
      const exit = (code: number | null, error: unknown): void => {
        if (exited) return;
        exited = true;
        events.exit(code, error);
      };
      worker.addEventListener('message', (event) => {
        if (!exited) events.message(event.data as FromWorker);
      });
      // An uncaught error in a Web Worker does not always end it; Weft treats
      // it as fatal so that no job can wait on a worker in an unknown state.
      worker.addEventListener('error', (event) => {
        event.preventDefault?.();
        const error = event.error ?? new Error(event.message ?? 'Uncaught error in worker');
        worker.terminate();
        exit(null, error);
      });
      worker.addEventListener('messageerror', () => {
        worker.terminate();
        exit(null, new Error('A message from the worker could not be deserialized'));
      });
      // Bun reports a worker's end with 'close'.
      worker.addEventListener('close', (event) => exit((event as { code?: number }).code ?? null, undefined));
      return {
        post: (message: ToWorker, transfer?: readonly ArrayBuffer[]) => (transfer ? worker.postMessage(message, [...transfer]) : worker.postMessage(message)),
        ref: () => worker.ref?.(),
        unref: () => worker.unref?.(),
        terminate: () => {
          worker.terminate();
          exit(null, undefined);
        },
      };
    },
  };
}

/** Worker side: the endpoint of a Web Worker, or `undefined` when this is not one. */
export function webWorkerEndpoint(): WorkerEndpoint | undefined {
  const scope = globalThis as unknown as {
    postMessage?: (message: unknown, transfer?: ArrayBuffer[]) => void;
    addEventListener?: (type: string, listener: (event: { data: unknown }) => void) => void;
  };
  if (typeof scope.postMessage !== 'function' || typeof scope.addEventListener !== 'function') return undefined;
  const post = scope.postMessage.bind(globalThis);
  const listen = scope.addEventListener.bind(globalThis);
  return {
    post: (message: FromWorker, transfer?: readonly ArrayBuffer[]) => (transfer ? post(message, [...transfer]) : post(message)),
    listen: (handler: (message: ToWorker) => void) => listen('message', (event) => handler(event.data as ToWorker)),
    itemReader: (shared: SharedArrayBuffer, stopped: () => boolean): ItemStreamReader => itemStreamReader(shared, blockDecoder(), stopped),
  };
}
