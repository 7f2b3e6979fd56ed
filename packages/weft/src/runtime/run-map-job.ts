/**
 * Worker side of `parallelMap`: claim chunks of the job from shared memory,
 * run them, and send results back in batches.
 *
 * @module
 */
import { serializeThrown } from '../codec/error-codec.js';
import { MapControl, type FromWorker, type MapJobMessage } from '../protocol.js';
import { resolveFunction, resolveFunctionSync } from './resolve-function.js';
import { claimChunk } from './claim-chunk.js';
import { unsendableResult } from '../memory/result-crossing.js';
import { decodeShareables } from '../memory/shareable.js';
import { STREAM_STOPPED, type ItemStreamReader } from '../backend/item-stream.js';

/** Results are flushed at least this often (ms) while a worker works through a job... */
const FLUSH_INTERVAL_MS = 12;
/** ...and once this many are waiting, so that no message holds large arrays (see claim-chunk.ts). */
const FLUSH_ITEMS = 16_384;

function cloneFailure(index: number, value: unknown): unknown {
  try {
    structuredClone(value);
    return undefined;
  } catch (err) {
    return unsendableResult(index, err);
  }
}

/**
 * The batches as views on one `Float64Array` when every result in them is
 * a number, else undefined. Its buffer is transferred: the caller copies
 * numbers out of it, where a serialized array costs a decode per element on
 * the caller's thread, which takes every worker's results (400,000 numbers
 * through `x => x` on 2 workers: 33 ns per number to serialize an array of
 * them, 13 ns to clone the typed array, none to transfer it).
 */
function numberBatches(values: readonly unknown[][]): Float64Array<ArrayBuffer>[] | undefined {
  let count = 0;
  for (const batch of values) {
    for (let k = 0; k < batch.length; k++) if (typeof batch[k] !== 'number') return undefined;
    count += batch.length;
  }
  const all = new Float64Array(count);
  let at = 0;
  return values.map((batch) => {
    const view = all.subarray(at, at + batch.length);
    view.set(batch as number[]);
    at += batch.length;
    return view;
  });
}

type AnyFunction = (...args: unknown[]) => unknown;

/** Which item of a chunk threw, and what. */
interface ChunkFailure {
  index: number;
  error: unknown;
}

/**
 * Runs items `[from, end)` of a chunk into `out` (indexed from `start`).
 * Returns `end` when done, {@link STOPPED} when the job was stopped,
 * {@link FAILED} when an item threw (`failure` says which and why), or
 * `-(i + 2)` when item `i` returned a thenable (in `out`), for the caller to await.
 */
type ChunkLoop = (
  fn: AnyFunction,
  itemAt: (index: number) => unknown,
  context: unknown,
  out: unknown[],
  start: number,
  from: number,
  end: number,
  control: Int32Array,
  failure: ChunkFailure,
) => number;

const STOPPED = -1;
const FAILED = -Infinity;
const CHUNK_LOOP_BODY = `
for (let i = from; i < end; i++) {
  if (Atomics.load(control, ${MapControl.Stop}) !== 0) return ${STOPPED};
  let value;
  try {
    value = fn(itemAt(i), i, context);
  } catch (error) {
    failure.index = i;
    failure.error = error;
    return ${FAILED};
  }
  out[i - start] = value;
  if ((typeof value === 'object' || typeof value === 'function') && value !== null && typeof value.then === 'function') return -(i + 2);
}
return end;`;

/**
 * One compiled chunk loop per task function, as on the calling thread
 * (map/run-inline.ts). A loop shared by every function calls through one
 * site: the engine inlines the first job's function there and deoptimizes
 * when the next job brings another; and on Node 24 a long item inlined into
 * a loop that Maglev compiled during an earlier job of short items can stay
 * in that slower code for a whole job (measured: 64 items x 20 ms at half
 * the sequential speed). A loop of the function's own is compiled for it alone.
 */
const chunkLoops = new WeakMap<AnyFunction, ChunkLoop>();

function chunkLoopFor(fn: AnyFunction): ChunkLoop {
  let loop = chunkLoops.get(fn);
  if (!loop) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- one loop per function is the point
    loop = new Function('fn', 'itemAt', 'context', 'out', 'start', 'from', 'end', 'control', 'failure', CHUNK_LOOP_BODY) as ChunkLoop;
    chunkLoops.set(fn, loop);
  }
  return loop;
}

/** Run one map job in this worker; always ends with a `job-done` message. */
export async function runMapJob(
  job: MapJobMessage,
  post: (message: FromWorker, transfer?: readonly ArrayBuffer[]) => void,
  itemReader?: (shared: SharedArrayBuffer, stopped: () => boolean) => ItemStreamReader,
): Promise<void> {
  const { jobId, control, total } = job;
  const items = job.itemsEncoded ? (decodeShareables(job.items) as ArrayLike<unknown>) : job.items;
  // Items streamed through shared memory: decode the blocks this worker claims items from, as they are written.
  const shared = job.sharedItems;
  const stream = shared && itemReader ? itemReader(shared, () => Atomics.load(control, MapControl.Stop) !== 0) : undefined;
  const itemAt = !shared ? (index: number) => items[index] : stream ? (index: number) => stream.at(index) : undefined;
  const reserve = stream ? stream.reserve.bind(stream) : undefined;
  const context = job.sharedContext ? job.context : decodeShareables(job.context);
  let starts: number[] = [];
  let values: unknown[][] = [];
  let lastFlush = performance.now();
  let waiting = 0;

  const stop = (): void => {
    // Tell every other participant to claim nothing more.
    Atomics.store(control, MapControl.Stop, 1);
  };

  const flush = (): boolean => {
    if (starts.length === 0) return true;
    const numbers = numberBatches(values);
    const message: FromWorker = { type: 'results', jobId, starts, values: numbers ?? values };
    try {
      post(message, numbers && [numbers[0]!.buffer]);
    } catch {
      // Some result cannot be cloned: find the first one and report it by index.
      for (let b = 0; b < starts.length; b++) {
        const batch = values[b] ?? [];
        for (let k = 0; k < batch.length; k++) {
          const failure = cloneFailure((starts[b] ?? 0) + k, batch[k]);
          if (failure !== undefined) {
            stop();
            post({ type: 'item-error', jobId, index: (starts[b] ?? 0) + k, error: serializeThrown(failure) });
            starts = [];
            values = [];
            return false;
          }
        }
      }
      stop();
      post({ type: 'job-error', jobId, error: serializeThrown(new TypeError('A batch of results could not be sent back from the worker')) });
      return false;
    }
    starts = [];
    values = [];
    waiting = 0;
    lastFlush = performance.now();
    return true;
  };

  const failure: ChunkFailure = { index: -1, error: undefined };
  Atomics.add(control, MapControl.Running, 1);
  try {
    let fn: (...args: unknown[]) => unknown;
    try {
      // Without an await when it is already known: a native thread must run the whole job itself.
      fn = resolveFunctionSync(job.fn) ?? (await resolveFunction(job.fn));
    } catch (err) {
      stop();
      post({ type: 'job-error', jobId, error: serializeThrown(err) });
      return;
    }
    if (!itemAt) {
      stop();
      post({ type: 'job-error', jobId, error: serializeThrown(new Error('internal: a map job with shared items reached a worker that cannot read them')) });
      return;
    }
    const loop = chunkLoopFor(fn);
    for (;;) {
      const chunk = claimChunk(control, total, job.minChunk, job.fixedChunk, job.participants, reserve);
      if (chunk === null) break;
      const [start, end] = chunk;
      stream?.claimed(start, end);
      const out = new Array<unknown>(end - start);
      for (let i = start; i < end; ) {
        const at = loop(fn, itemAt, context, out, start, i, end, control, failure);
        if (at === STOPPED) return;
        // The job stopped while this worker waited for a block of streamed items.
        if (at === FAILED && failure.error === STREAM_STOPPED) return;
        if (at === FAILED) {
          stop();
          flush();
          post({ type: 'item-error', jobId, index: failure.index, error: serializeThrown(failure.error) });
          return;
        }
        if (at >= 0) break; // the chunk is done
        // An async item: settle it, then go on after it.
        const k = -(at + 2);
        try {
          out[k - start] = await out[k - start];
        } catch (err) {
          stop();
          flush();
          post({ type: 'item-error', jobId, index: k, error: serializeThrown(err) });
          return;
        }
        i = k + 1;
      }
      // Progress: read by the caller (Atomics.load) when results arrive; orders nothing else.
      Atomics.add(control, MapControl.Done, end - start);
      starts.push(start);
      values.push(out);
      waiting += end - start;
      if ((waiting >= FLUSH_ITEMS || performance.now() - lastFlush >= FLUSH_INTERVAL_MS) && !flush()) return;
    }
    flush();
  } finally {
    Atomics.sub(control, MapControl.Running, 1);
    post({ type: 'job-done', jobId });
  }
}
