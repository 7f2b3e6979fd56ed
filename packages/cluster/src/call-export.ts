/**
 * Runs inside a worker machine's Weft threads: calls a module task's export
 * with the item's index in the whole call (not in its chunk). A module or
 * export that cannot be loaded is a {@link ClusterError} naming the module and
 * the machine, never a retry.
 *
 * @module
 */
import { ClusterError } from './errors.js';
import { machineName } from './machine.js';

/** What the worker passes as the Weft context of a module chunk. */
export interface ModuleChunkContext {
  readonly url: string;
  /** The task's path as the caller named it, and the root it was looked for under (for messages). */
  readonly path: string;
  readonly root: string;
  readonly exportName: string;
  readonly offset: number;
  readonly spread: boolean;
  readonly context: unknown;
}

type AnyFunction = (...args: unknown[]) => unknown;

/** Exports this thread has loaded, by `url#exportName`. */
const loaded = new Map<string, AnyFunction>();

async function load(c: ModuleChunkContext): Promise<AnyFunction> {
  const where = `module ${c.path} (export ${c.exportName}) under ${c.root} on ${machineName()}`;
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(c.url)) as Record<string, unknown>;
  } catch (err) {
    throw new ClusterError('WEFT_CLUSTER_TASK_NOT_FOUND', `${where} could not be loaded: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      machine: machineName(),
    });
  }
  const fn = namespace[c.exportName];
  if (typeof fn !== 'function') {
    throw new ClusterError('WEFT_CLUSTER_TASK_NOT_FOUND', `${where}: the module has no function export named ${c.exportName}`, { machine: machineName() });
  }
  loaded.set(`${c.url}#${c.exportName}`, fn as AnyFunction);
  return fn as AnyFunction;
}

function invoke(fn: AnyFunction, item: unknown, index: number, c: ModuleChunkContext): unknown {
  return c.spread ? fn(...(item as unknown[])) : fn(item, index + c.offset, c.context);
}

/**
 * The function a worker's local Pool runs for each item of a module chunk.
 *
 * @example
 * ```ts
 * // worker side, in effect:
 * pool.map(items, fromModule(new URL('./call-export.js', import.meta.url), 'callExport'), { context });
 * ```
 */
export function callExport(item: unknown, index: number, c: ModuleChunkContext): unknown {
  const fn = loaded.get(`${c.url}#${c.exportName}`);
  return fn ? invoke(fn, item, index, c) : load(c).then((f) => invoke(f, item, index, c));
}
