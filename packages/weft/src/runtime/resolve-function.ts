/**
 * Worker side: turn a {@link FunctionRef} back into a callable, once per
 * worker. Compiled sources and imported modules are cached for the worker's
 * life.
 *
 * @module
 */
import type { FunctionRef } from '../protocol.js';
import { taskRegistry } from '../task/define-task.js';
import { importTaskModule } from '../task/task-import-guard.js';
import { isTypeScriptModule, runtimeStripsTypes } from '../task/typescript-modules.js';
import { registerTsxInWorker } from './tsx-in-worker.js';

type AnyFunction = (...args: unknown[]) => unknown;

const compiled = new Map<string, AnyFunction>();

/** What tsx/esbuild's `keepNames` inject into function bodies: give it a definition. */
function nameHelper<F>(fn: F, name: string): F {
  try {
    Object.defineProperty(fn, 'name', { value: name, configurable: true });
  } catch {
    // Frozen function: the name is cosmetic.
  }
  return fn;
}

function compile(source: string, form: 'expression' | 'method'): AnyFunction {
  const key = `${form}:${source}`;
  let fn = compiled.get(key);
  if (fn) return fn;
  const body = form === 'expression' ? `return (${source});` : `const o = ({${source}}); return o[Reflect.ownKeys(o)[0]];`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- shipping functions as source is the design
  fn = new Function('__name', body)(nameHelper) as AnyFunction;
  compiled.set(key, fn);
  return fn;
}

/** Module functions this worker has loaded, by reference key. */
const loaded = new Map<string, AnyFunction>();

function moduleKey(ref: FunctionRef): string {
  return ref.kind === 'module' ? `${ref.url}#${ref.exportName}` : ref.kind === 'task' ? `${ref.url}@${ref.ordinal}` : '';
}

/** Resolve without waiting: `undefined` for a module function whose module this worker has not imported yet. */
export function resolveFunctionSync(ref: FunctionRef): AnyFunction | undefined {
  switch (ref.kind) {
    case 'closure':
      return ref.fn as AnyFunction;
    case 'source':
      return compile(ref.source, ref.form);
    default:
      return loaded.get(moduleKey(ref));
  }
}

/** Resolve a function reference; module references import the module (once). */
export async function resolveFunction(ref: FunctionRef): Promise<AnyFunction> {
  const known = resolveFunctionSync(ref);
  if (known) return known;
  const fn = await loadModuleFunction(ref);
  loaded.set(moduleKey(ref), fn);
  return fn;
}

/**
 * Where code compiled from text finds {@link resolveFunction}: a `par` chunk
 * function calls its module functions through it (it runs on workers, where
 * it can import nothing of Weft's). Every realm that loads this file has it,
 * the calling thread's included; the first copy loaded keeps it.
 */
const RESOLVER_KEY = Symbol.for('weft.resolveFunction');
if (!(RESOLVER_KEY in globalThis)) {
  Object.defineProperty(globalThis, RESOLVER_KEY, { value: resolveFunction, configurable: true });
}

/** Import a task's module; a TypeScript module that a worker cannot load gets an error saying why and what to do. */
async function importModule(url: string): Promise<Record<string, unknown>> {
  const typescript = isTypeScriptModule(url);
  // Under tsx on Node 20 the worker has tsx's flag but not its hooks: register them before the first
  // TypeScript import (a failed import stays failed for its URL, so this cannot wait for the error).
  if (typescript && !runtimeStripsTypes()) await registerTsxInWorker((specifier) => import(/* @vite-ignore */ specifier));
  try {
    return await importTaskModule(url, () => import(/* @vite-ignore */ url) as Promise<Record<string, unknown>>);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !typescript) throw err;
    throw new TypeError(
      `A worker cannot import ${url}: this Node (${String((globalThis as { process?: { version?: string } }).process?.version)}) does not strip types, ` +
        'and no loader that works in worker threads is active (tsx does: run the app with `tsx` or `node --import tsx`; ts-node does not). ' +
        'Use Node 22.18 or later, or write task modules as .js/.mjs (typed with a .d.ts or JSDoc), or build them to JavaScript first',
      { cause: err },
    );
  }
}

async function loadModuleFunction(ref: FunctionRef): Promise<AnyFunction> {
  switch (ref.kind) {
    case 'closure':
      return ref.fn as AnyFunction;
    case 'source':
      return compile(ref.source, ref.form);
    case 'module': {
      const mod = await importModule(ref.url);
      const fn = mod[ref.exportName];
      if (typeof fn !== 'function') {
        throw new TypeError(`Module ${ref.url} has no exported function named ${ref.exportName} (found ${typeof fn})`);
      }
      return fn as AnyFunction;
    }
    case 'task': {
      await importModule(ref.url);
      const fn = taskRegistry().get(ref.url)?.[ref.ordinal];
      if (typeof fn !== 'function') {
        throw new TypeError(
          `Module ${ref.url} did not define task #${ref.ordinal} when a worker imported it; call defineTask at the module's top level, unconditionally`,
        );
      }
      return fn as AnyFunction;
    }
  }
}
