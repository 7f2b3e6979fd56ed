/**
 * Worker side: one verified job's items run on the machine's local Weft
 * `Pool`, over all its threads, and the outcome as it goes back.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AbortError, fromModule, TaskError, type Pool } from 'weftjs';
import { compileTask, decodeValue, encodeError, encodeValue } from 'weftjs/wire';
import type { ModuleChunkContext } from './call-export.js';
import { ClusterError } from './errors.js';
import type { JobData, JobOutcome, WireTask } from './protocol.js';

type ItemFn = (item: unknown, index: number, context: never) => unknown;

/** Compiled wrappers of source tasks, by source text (a handful of call sites in practice). */
const wrappers = new Map<string, ItemFn>();
const WRAPPER_CACHE_LIMIT = 256;

/** The wrapper a Pool ships to its threads: the user's function, called with the item's index in the whole call. */
function sourceWrapper(task: Extract<WireTask, { kind: 'source' }>): ItemFn {
  const key = `${task.form}:${task.source}`;
  let fn = wrappers.get(key);
  if (!fn) {
    const user = task.form === 'expression' ? `(${task.source})` : `Object.values({${task.source}})[0]`;
    // Capture-free: the user's source was checked by the caller (and signed), and the wrapper adds no names.
    const source = `(item, index, c) => { const f = ${user}; return c.spread ? f(...item) : f(item, index + c.offset, c.context); }`;
    fn = compileTask({ kind: 'source', source, form: 'expression' }) as ItemFn;
    if (wrappers.size >= WRAPPER_CACHE_LIMIT) wrappers.clear();
    wrappers.set(key, fn);
  }
  return fn;
}

const callExport = fromModule<ItemFn>(new URL('./call-export.js', import.meta.url), 'callExport');

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

/** Where a module task's file is under `root`, or a refusal naming the module, the root and the machine. */
function locate(task: Extract<WireTask, { kind: 'module' }>, root: string, machine: string): string | ClusterError {
  const path = task.path;
  const file = resolve(root, path);
  if (isAbsolute(path) || path.split('/').includes('..') || !file.startsWith(root.endsWith(sep) ? root : root + sep)) {
    return new ClusterError('WEFT_CLUSTER_TASK_NOT_FOUND', `module ${path} is not a path inside the worker's root ${root} on ${machine}`, { machine });
  }
  if (!existsSync(file)) {
    return new ClusterError(
      'WEFT_CLUSTER_TASK_NOT_FOUND',
      `module ${path} (export ${task.exportName}) not found under ${root} on ${machine}: deploy the same task code on every worker, or start it with --root at the project`,
      { machine },
    );
  }
  return file;
}

/** Run a verified job on `pool`; never throws (every failure is an outcome). */
export async function runChunk(pool: Pool, job: JobData, root: string, machine: string, signal: AbortSignal): Promise<JobOutcome> {
  let fn: ItemFn;
  let context: unknown;
  const userContext = job.context === '' ? undefined : decodeValue(fromBase64(job.context));
  if (job.task.kind === 'source') {
    fn = sourceWrapper(job.task);
    context = { offset: job.offset, spread: job.spread, context: userContext };
  } else {
    const file = locate(job.task, root, machine);
    if (typeof file !== 'string') return { kind: 'refused', error: base64(encodeError(file)) };
    fn = callExport;
    context = {
      url: pathToFileURL(file).href,
      path: job.task.path,
      root,
      exportName: job.task.exportName,
      offset: job.offset,
      spread: job.spread,
      context: userContext,
    } satisfies ModuleChunkContext;
  }
  const items = decodeValue(fromBase64(job.items)) as unknown[];
  let results: unknown[];
  try {
    // inline 'never': items run on threads, so this thread keeps renewing the job's lock.
    results = await pool.map(items, fn, { context: context as never, signal, inline: 'never' });
  } catch (err) {
    if (signal.aborted && err instanceof AbortError) return { kind: 'cancelled' };
    if (err instanceof TaskError) {
      const cause = err.cause;
      if (cause instanceof ClusterError && cause.code === 'WEFT_CLUSTER_TASK_NOT_FOUND') return { kind: 'refused', error: base64(encodeError(cause)) };
      return { kind: 'failed', index: job.offset + (err.index ?? 0), error: base64(encodeError(cause)) };
    }
    return { kind: 'failed', index: job.offset, error: base64(encodeError(err)) };
  }
  try {
    return { kind: 'ok', results: base64(encodeValue(results, 'weft-worker: results')) };
  } catch (err) {
    return { kind: 'failed', index: job.offset, error: base64(encodeError(err)) };
  }
}
