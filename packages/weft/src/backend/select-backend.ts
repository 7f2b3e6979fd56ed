/**
 * Choosing a backend: by option, by the `WEFT_BACKEND` environment variable,
 * or automatically (the native Thread API where its probe succeeds, workers
 * everywhere else).
 *
 * @module
 */
import { BackendUnavailableError } from '../errors.js';
import { describeValue } from '../validate.js';
import type { Backend, BackendKind } from './backend.js';
import { createNativeThreadBackend, probeThreadApi, type NativeThreadMain } from './native-thread.js';
import { hasThreadApi } from '../engine/thread-api.js';
import { isNode } from './is-node.js';
import { createWebWorkerBackend, hasWebWorkers } from './web-worker.js';
import { workerSource } from './worker-source.js';

/** What users may ask for: a backend kind, or `'auto'`. */
export type BackendChoice = 'auto' | BackendKind;

const CHOICES: readonly BackendChoice[] = ['auto', 'workers', 'native'];

/** Read an environment variable where the platform has them (Node, Bun, Deno with --allow-env). */
function readEnv(name: string): string | undefined {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env?: { get(name: string): string | undefined } };
  };
  try {
    return g.process?.env?.[name] ?? g.Deno?.env?.get(name);
  } catch {
    // Deno without --allow-env: as if unset.
    return undefined;
  }
}

/** The backend choice in force: the option if given, else `WEFT_BACKEND`, else `'auto'`. Throws on a bad value. */
export function backendChoice(where: string, option: unknown): BackendChoice {
  if (option !== undefined) {
    if (!CHOICES.includes(option as BackendChoice)) {
      throw new (typeof option === 'string' ? RangeError : TypeError)(
        `${where}: backend must be 'auto', 'workers' or 'native', received ${describeValue(option)}`,
      );
    }
    return option as BackendChoice;
  }
  const env = readEnv('WEFT_BACKEND');
  if (env === undefined || env === '') return 'auto';
  if (!CHOICES.includes(env as BackendChoice)) {
    throw new RangeError(`WEFT_BACKEND must be 'auto', 'workers' or 'native', received ${JSON.stringify(env)}`);
  }
  return env as BackendChoice;
}

/**
 * Whether `choice` will give the native backend, known synchronously: asked
 * for, or `auto` where the Thread API's globals exist (its probe settles that
 * later; callers handle a failed probe when the backend arrives).
 */
export function expectsNativeBackend(choice: BackendChoice): boolean {
  return choice === 'native' || (choice === 'auto' && hasThreadApi());
}

const cache = new Map<BackendKind, Promise<Backend>>();

/**
 * Deno gets `node:worker_threads` rather than its Web Workers: a Deno Web
 * Worker cannot be unreferenced, so an idle pool (the default pool behind
 * `parallelMap` included) would keep the process alive forever. Deno's
 * `worker_threads` has `ref`/`unref`, `eval` workers and `process.exit`.
 */
function isDeno(): boolean {
  return (globalThis as { Deno?: unknown }).Deno !== undefined;
}

async function createWorkersBackend(): Promise<Backend> {
  // Loaded only here: a browser bundle splits worker_threads' backend off and never fetches it.
  if (isNode() || isDeno()) return (await import('./node-worker.js')).createNodeWorkerBackend(workerSource);
  if (hasWebWorkers()) return createWebWorkerBackend(workerSource);
  throw new BackendUnavailableError('workers', 'This platform has neither worker_threads nor Web Workers');
}

let nativeThread: (() => Promise<NativeThreadMain>) | undefined;

/**
 * Hand the native backend what its threads run: the worker runtime's
 * thread main loop, loaded when the first native backend starts (so a
 * browser app, which has no Thread API, never loads it). The entries call it
 * once (`wiring.ts`), the way rayon's builder takes a spawn handler, so that
 * backend/ never imports runtime/.
 *
 * @example
 * ```ts
 * provideNativeThreadMain(async () => (await import('./runtime/native-thread-main.js')).nativeThread);
 * ```
 */
export function provideNativeThreadMain(thread: () => Promise<NativeThreadMain>): void {
  nativeThread = thread;
}

async function createNativeBackend(): Promise<Backend> {
  if (!(await probeThreadApi())) {
    throw new BackendUnavailableError(
      'native',
      'The native backend needs the shared-heap Thread API (globals Thread, Lock, Condition, ThreadLocal), which this engine does not provide; use the workers backend',
    );
  }
  if (!nativeThread) throw new BackendUnavailableError('native', 'internal: no thread main loop was provided to the native backend (weftjs/src/wiring.ts does it)');
  const workers = await resolveBackend('workers').catch(() => undefined);
  return createNativeThreadBackend(workers?.parallelism() ?? 4, await nativeThread());
}

/** Resolve a choice to a backend, created once per kind. */
export async function resolveBackend(choice: BackendChoice): Promise<Backend> {
  const kind: BackendKind = choice === 'auto' ? ((await probeThreadApi()) ? 'native' : 'workers') : choice;
  let backend = cache.get(kind);
  if (!backend) {
    backend = kind === 'native' ? createNativeBackend() : createWorkersBackend();
    cache.set(kind, backend);
    backend.catch(() => cache.delete(kind));
  }
  return backend;
}
