/**
 * Functions that live in a module, so they may use imports and npm packages.
 * The worker imports the module and finds the function there; only the
 * module's URL and the function's position cross the boundary.
 *
 * @module
 */
import { checkFunction, describeValue } from '../validate.js';

/** Where a module task or module function lives. Attached under {@link TASK_REF}. */
export type ModuleRef =
  | { readonly kind: 'task'; readonly url: string; readonly ordinal: number }
  | { readonly kind: 'module'; readonly url: string; readonly exportName: string };

/**
 * The property that marks a function as living in a module. A `Symbol.for`
 * key, so that two copies of Weft (the caller's and the worker runtime's)
 * agree on it.
 */
export const TASK_REF: unique symbol = Symbol.for('weft.moduleRef') as never;

const REGISTRY_KEY = Symbol.for('weft.taskRegistry');

/** The tasks each module defined, in definition order (shared through `globalThis`). */
export function taskRegistry(): Map<string, unknown[]> {
  const holder = globalThis as unknown as Record<symbol, Map<string, unknown[]> | undefined>;
  let registry = holder[REGISTRY_KEY];
  if (!registry) {
    registry = new Map();
    Object.defineProperty(globalThis, REGISTRY_KEY, { value: registry, configurable: true });
  }
  return registry;
}

function normalizeUrl(where: string, moduleUrl: unknown): string {
  if (moduleUrl instanceof URL) return moduleUrl.href;
  if (typeof moduleUrl === 'string') {
    try {
      return new URL(moduleUrl).href;
    } catch {
      throw new TypeError(`${where}: moduleUrl must be an absolute URL such as import.meta.url, received ${describeValue(moduleUrl)}`);
    }
  }
  throw new TypeError(`${where}: moduleUrl must be a string or URL (pass import.meta.url), received ${describeValue(moduleUrl)}`);
}

/**
 * Declare a function, in the module that exports it, so it can be run by
 * workers. The function may use the module's imports and npm packages; the
 * worker imports the module (by `import.meta.url`) and runs the same
 * function. The caller imports it like any export, so TypeScript sees its
 * real parameter and return types.
 *
 * Call `defineTask` at the top level of the module, unconditionally: a
 * worker finds the function by the order of the `defineTask` calls in the
 * module.
 *
 * @typeParam F - the function's type, kept as is for callers.
 * @param moduleUrl - `import.meta.url` of the module that calls `defineTask`.
 * @param fn - the function; returned unchanged (with a marker property).
 *
 * @example
 * ```ts
 * // words.js (on Node 20 a worker cannot load a .ts module through tsx: use
 * // JavaScript typed by a .d.ts or JSDoc, or build first)
 * import { defineTask } from 'weftjs';
 * import { stem } from 'some-stemmer';
 * export const countWords = defineTask(import.meta.url, (text) => text.split(/\s+/).map(stem).length);
 *
 * // main.ts
 * import { parallelMap } from 'weftjs';
 * import { countWords } from './words.js';
 * const counts: number[] = await parallelMap(texts, countWords);
 * ```
 */
export function defineTask<F extends (...args: never[]) => unknown>(moduleUrl: string | URL, fn: F): F {
  const url = normalizeUrl('defineTask', moduleUrl);
  checkFunction('defineTask', 'fn', fn);
  const registry = taskRegistry();
  let tasks = registry.get(url);
  if (!tasks) registry.set(url, (tasks = []));
  const ref: ModuleRef = { kind: 'task', url, ordinal: tasks.length };
  tasks.push(fn);
  Object.defineProperty(fn, TASK_REF, { value: ref, configurable: true });
  return fn;
}

/**
 * Refer to a function exported by a module without importing that module on
 * the calling thread. The worker imports the module and calls the export.
 * Give the function's type as the type argument to keep calls typed. The
 * returned stub throws if called directly.
 *
 * @typeParam F - the export's type (`typeof import('./m.js').name`), which the stub takes on.
 * @param moduleUrl - absolute URL of the module, e.g. `new URL('./work.js', import.meta.url)`.
 * @param exportName - the name of the export (`'default'` for a default export).
 *
 * @example
 * ```ts
 * import { fromModule, parallelMap } from 'weftjs';
 * const resize = fromModule<typeof import('./images.js').resize>(new URL('./images.js', import.meta.url), 'resize');
 * const thumbs = await parallelMap(paths, resize);
 * ```
 */
export function fromModule<F extends (...args: never[]) => unknown>(moduleUrl: string | URL, exportName: string): F {
  const url = normalizeUrl('fromModule', moduleUrl);
  if (typeof exportName !== 'string' || exportName === '') {
    throw new TypeError(`fromModule: exportName must be a non-empty string, received ${describeValue(exportName)}`);
  }
  const stub = (): never => {
    throw new TypeError(`fromModule: ${exportName} from ${url} runs in workers only; import the module to call it here`);
  };
  const ref: ModuleRef = { kind: 'module', url, exportName };
  Object.defineProperty(stub, TASK_REF, { value: ref, configurable: true });
  return stub as unknown as F;
}

/** The module reference of a function made by {@link defineTask} or {@link fromModule}, if any. */
export function moduleRefOf(fn: unknown): ModuleRef | undefined {
  return typeof fn === 'function' ? ((fn as unknown as Record<symbol, ModuleRef | undefined>)[TASK_REF]) : undefined;
}
