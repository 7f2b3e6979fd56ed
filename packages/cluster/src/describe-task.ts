/**
 * Caller side: a function as it goes on the queue. A capture-free function
 * goes as its checked source text (Weft's own analysis, so captures are
 * refused with the same message, naming them); a module task goes as its
 * path relative to its project root and its export's name.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeTask } from 'weftjs/wire';
import type { WireTask } from './protocol.js';

/**
 * The task, checked at the call. Module tasks made by `defineTask` need their
 * export's name, which only importing the module tells: `exportName` finds it.
 */
export type PreparedTask =
  | { readonly ready: WireTask }
  | { readonly path: string; readonly url: string; readonly fn: unknown };

/**
 * The project root of a module: the nearest folder above it with a
 * package.json, outside node_modules (a task from a dependency is then named
 * `node_modules/dep/...`, which a worker finds in its own install).
 */
export function projectRootOf(file: string): string {
  const parts = file.split(sep);
  const inDependency = parts.indexOf('node_modules');
  if (inDependency > 0) return parts.slice(0, inDependency).join(sep) || sep;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(file);
  }
}

function modulePath(where: string, url: string): string {
  if (!url.startsWith('file:')) {
    throw new TypeError(`${where}: a module task must live in a file (file: URL) for workers to find it, received ${url}`);
  }
  const file = fileURLToPath(url);
  return relative(projectRootOf(file), file).split(sep).join('/');
}

/** Check `fn` at the call; throws `TypeError` for what cannot travel. */
export function prepareTask(where: string, fn: unknown): PreparedTask {
  const task = describeTask(fn, where);
  switch (task.kind) {
    case 'source':
      return { ready: { kind: 'source', source: task.source, form: task.form } };
    case 'module':
      return { ready: { kind: 'module', path: modulePath(where, task.url), exportName: task.exportName } };
    case 'task':
      return { path: modulePath(where, task.url), url: task.url, fn };
  }
}

/** The task as it travels; for a `defineTask` function, the export it is found under (imports its module, already loaded). */
export async function finishTask(where: string, prepared: PreparedTask): Promise<WireTask> {
  if ('ready' in prepared) return prepared.ready;
  const namespace = (await import(prepared.url)) as Record<string, unknown>;
  const exportName = Object.keys(namespace).find((name) => namespace[name] === prepared.fn);
  if (exportName === undefined) {
    throw new TypeError(`${where}: the defineTask function is not exported by ${prepared.url}; export it so workers can find it by name`);
  }
  return { kind: 'module', path: prepared.path, exportName };
}
