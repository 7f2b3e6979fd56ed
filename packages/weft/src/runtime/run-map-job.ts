/**
 * Worker side of `parallelMap`: claim chunks of the job from shared memory,
 * run them, and send results back in batches.
 *
 * @module
 */
import { serializeThrown } from '../codec/error-codec.js';
import { MapControl, type FromWorker, type MapJobMessage } from '../protocol.js';
import { resolveFunction, resolveFunctionSync } from './resolve-function.js';
import { claimChunk } from '../map/claim-chunk.js';
import { unsendableResult } from '../map/result-crossing.js';
import { decodeShareables } from '../memory/shareable.js';
import { isThenable } from './is-thenable.js';

/** Results are flushed at least this often (ms) while a worker works through a job. */
const FLUSH_INTERVAL_MS = 12;


function cloneFailure(index: number, value: unknown): unknown {
  try {
    structuredClone(value);
    return undefined;
  } catch (err) {
    return unsendableResult(index, err);
  }
}

/** Run one map job in this worker; always ends with a `job-done` message. */
export async function runMapJob(
  job: MapJobMessage,
  post: (message: FromWorker) => void,
  itemReader?: (shared: SharedArrayBuffer) => (index: number) => unknown,
): Promise<void> {
  const { jobId, control, total } = job;
  const items = job.itemsEncoded ? (decodeShareables(job.items) as ArrayLike<unknown>) : job.items;
  // Items serialized once for all workers: decode the blocks this worker claims items from, not all of them.
  const shared = job.sharedItems;
  const itemAt = !shared ? (index: number) => items[index] : itemReader ? itemReader(shared) : undefined;
  const context = job.sharedContext ? job.context : decodeShareables(job.context);
  let starts: number[] = [];
  let values: unknown[][] = [];
  let lastFlush = performance.now();

  const stop = (): void => {
    // Tell every other participant to claim nothing more.
    Atomics.store(control, MapControl.Stop, 1);
  };

  const flush = (): boolean => {
    if (starts.length === 0) return true;
    const message: FromWorker = { type: 'results', jobId, starts, values };
    try {
      post(message);
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
    lastFlush = performance.now();
    return true;
  };

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
    for (;;) {
      const chunk = claimChunk(control, total, job.minChunk, job.fixedChunk, job.participants);
      if (chunk === null) break;
      const [start, end] = chunk;
      const out = new Array<unknown>(end - start);
      for (let i = start; i < end; i++) {
        // Stop is set by a failing participant or by the caller (abort); unstarted items are skipped.
        if (Atomics.load(control, MapControl.Stop) !== 0) return;
        try {
          let result = fn(itemAt(i), i, context);
          if (isThenable(result)) result = await result;
          out[i - start] = result;
        } catch (err) {
          stop();
          flush();
          post({ type: 'item-error', jobId, index: i, error: serializeThrown(err) });
          return;
        }
      }
      // Progress: read by the caller (Atomics.load) when results arrive; orders nothing else.
      Atomics.add(control, MapControl.Done, end - start);
      starts.push(start);
      values.push(out);
      if (performance.now() - lastFlush >= FLUSH_INTERVAL_MS && !flush()) return;
    }
    flush();
  } finally {
    post({ type: 'job-done', jobId });
  }
}
