/**
 * `parallelMap` inside a pool task: as in rayon, the call runs on the pool
 * that worker belongs to. Its chunks are forked onto this worker's deque,
 * where idle workers steal them, and this worker runs queued work while it
 * waits, so every worker can be nested at once without a deadlock. No pool
 * is ever started inside a worker.
 *
 * @module
 */
import { AbortError } from '../errors.js';
import { nestedFailureIndex, RUN_CHUNK_KEY, type ForkedWork, type SchedulerBridge } from '../task/current-scheduler.js';
import type { FunctionRef } from '../protocol.js';
import { itemFailure } from './run-inline.js';

type AnyFunction = (...args: unknown[]) => unknown;
type ChunkRunner = (ref: FunctionRef, items: ArrayLike<unknown>, start: number, context: unknown) => unknown[] | Promise<unknown[]>;

/** Chunks per worker: enough for stealing to balance uneven items. */
const CHUNKS_PER_WORKER = 4;
/**
 * Items per chunk at most, by default: a forked chunk's results travel in one
 * task slot (1 KiB), which 16 small results fit.
 */
const MAX_DEFAULT_CHUNK = 16;

/** What is forked for each chunk: capture-free, so any worker can run it from its source. */
const RUN_CHUNK_SOURCE = `(ref, items, start, context) => globalThis[Symbol.for('weft.runNestedChunk')](ref, items, start, context)`;
const RUN_CHUNK_REF: Exclude<FunctionRef, { kind: 'closure' }> = { kind: 'source', source: RUN_CHUNK_SOURCE, form: 'expression' };

function runChunkHere(ref: FunctionRef, items: ArrayLike<unknown>, start: number, context: unknown): unknown[] | Promise<unknown[]> {
  const run = (globalThis as unknown as Record<symbol, ChunkRunner | undefined>)[RUN_CHUNK_KEY];
  if (!run) throw new Error('internal: a nested parallelMap ran outside a Weft worker');
  return run(ref, items, start, context);
}

function slice<T>(items: ArrayLike<T>, from: number, to: number): T[] {
  return Array.prototype.slice.call(items, from, to) as T[];
}

/** The caller's `TaskError` for a chunk that failed on some worker. */
function chunkFailure(where: string, err: unknown): unknown {
  const index = nestedFailureIndex(err);
  return index === undefined ? err : itemFailure(where, index, (err as { cause?: unknown }).cause);
}

/** Options a nested map honours. */
export interface NestedOptions<C> {
  readonly context: C;
  readonly chunkSize: number;
  readonly concurrency: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((done: number, total: number) => void) | undefined;
}

/** Run `fn` over `items` on the current worker's pool; `ref` is how `fn` travels on workers. */
export async function mapNested<R>(
  where: string,
  scheduler: SchedulerBridge,
  items: ArrayLike<unknown>,
  fn: AnyFunction,
  ref: FunctionRef | undefined,
  options: NestedOptions<unknown>,
): Promise<R[]> {
  const total = items.length;
  const results: R[] = [];
  const { signal, onProgress } = options;
  if (signal?.aborted) throw new AbortError(`${where}: aborted before it started`, signal.reason);
  if (total === 0) return results;
  const workers = Math.max(1, Math.min(options.concurrency ?? scheduler.poolSize, scheduler.poolSize));
  const size = options.chunkSize > 0 ? options.chunkSize : Math.max(1, Math.min(MAX_DEFAULT_CHUNK, Math.ceil(total / (workers * CHUNKS_PER_WORKER))));
  const handles: { start: number; work: ForkedWork<unknown[]> }[] = [];
  for (let start = 0; start < total; start += size) {
    const chunk = slice(items, start, Math.min(total, start + size));
    const work = scheduler.sharesHeap
      ? scheduler.fork<unknown[]>(() => runChunkHere({ kind: 'closure', fn }, chunk, start, options.context), [])
      : scheduler.fork<unknown[]>(runChunkHere as AnyFunction, [ref, chunk, start, options.context], RUN_CHUNK_REF);
    handles.push({ start, work });
  }
  let done = 0;
  let failed: unknown;
  // Wait for every chunk, even after a failure: nothing this call forked outlives it.
  for (const { start, work } of handles) {
    try {
      const out = await work;
      if (failed === undefined) {
        for (let i = 0; i < out.length; i++) results[start + i] = out[i] as R;
        done += out.length;
        onProgress?.(done, total);
      }
    } catch (err) {
      failed ??= chunkFailure(where, err);
    }
    if (failed === undefined && signal?.aborted) failed = new AbortError(`${where}: aborted`, signal.reason);
  }
  if (failed !== undefined) throw failed;
  return results;
}
