/**
 * Caller side of a map job: hand the job to workers once, collect result
 * batches, and settle exactly once, after every participant has stopped.
 *
 * @module
 */
import { deserializeThrown, describeThrown } from '../codec/error-codec.js';
import { AbortError, TaskError, WorkerExitError } from '../errors.js';
import type { PoolWorker, WorkerPool } from '../backend/worker-pool.js';
import { MapControl, type FromWorker, type FunctionRef, type MapJobMessage } from '../protocol.js';
import { describeValue } from '../validate.js';
import { itemFailure } from './run-inline.js';
import { encodeShareables } from '../memory/shareable.js';

/** How long workers get to notice an abort before they are terminated and replaced (ms). */
export const ABORT_GRACE_MS = 200;

/** What one dispatch needs. `results` is filled in place from `start` on. */
export interface DispatchRequest {
  readonly where: string;
  readonly pool: WorkerPool;
  readonly fn: FunctionRef;
  readonly items: ArrayLike<unknown>;
  readonly context: unknown;
  readonly start: number;
  readonly results: unknown[];
  readonly participants: number;
  readonly minChunk: number;
  readonly fixedChunk: number;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((done: number, total: number) => void) | undefined;
}

const NO_ITEMS: readonly unknown[] = [];

/** Items from which a job's items are serialized once for all participants rather than cloned to each. */
const SHARE_FROM_ITEMS = 1024;

/**
 * Whether items are worth serializing once for all participants: an array
 * of objects, or a large array of anything. Cloned to every worker, memory
 * grows with items x workers (2M strings of 110 bytes: 1.2 GB at 2 workers,
 * against 262 MB for `items.map`); in shared blocks, with the items alone.
 */
function worthSharing(items: ArrayLike<unknown>): boolean {
  if (!Array.isArray(items) || items.length === 0) return false;
  return items.length >= SHARE_FROM_ITEMS || (typeof items[0] === 'object' && items[0] !== null);
}

/** Items per serialized block: a sixteenth of a worker's share, so guided chunks span few blocks, within [64, 4096]. */
function blockSizeFor(items: number, participants: number): number {
  return Math.min(4096, Math.max(64, Math.ceil(items / (participants * 16))));
}

function firstUncloneable(items: ArrayLike<unknown>, from = 0): { index: number; error: unknown } | undefined {
  for (let i = from; i < items.length; i++) {
    try {
      structuredClone(items[i]);
    } catch (error) {
      return { index: i, error };
    }
  }
  return undefined;
}

/** Run `items[start..]` on the pool; resolves when every result is in `results`. */
export async function dispatchMap(request: DispatchRequest): Promise<void> {
  const { pool, signal } = request;
  let workers = pool.take(request.participants);
  // Every worker may be retiring (still running aborted work): wait for one to finish or be replaced.
  while (workers.length === 0) {
    if (signal?.aborted) throw new AbortError(`${request.where}: aborted`, signal.reason);
    await pool.whenAvailable();
    workers = pool.take(request.participants);
  }
  return dispatchOn(request, workers);
}

function dispatchOn(request: DispatchRequest, workers: PoolWorker[]): Promise<void> {
  const { where, pool, items, results, signal, onProgress } = request;
  const total = items.length;
  const control = new Int32Array(new SharedArrayBuffer(MapControl.Length * Int32Array.BYTES_PER_ELEMENT));
  control[MapControl.Next] = request.start;
  const jobId = pool.jobId();
  // Weft's shared objects among the items (a Mutex, an atomic cell, a channel, inside records too) travel
  // as what revives the same object in the worker, as in `context`; plain items go as they are.
  const seen = { sharedMemory: false };
  const wireItems = pool.backend.kind === 'native' ? items : (encodeShareables(items, 0, seen) as ArrayLike<unknown>);
  // Objects are costly to clone: serialize them once, in blocks, rather than clone all of them to every
  // worker; each worker then decodes only the blocks it claims items from, one at a time. The blocks go
  // through a bounded ring that is refilled as workers release them, so the serialized copy never exists
  // whole either. Also with one participant: a whole-array post holds the clone in transit and the
  // worker's full copy at once (2,000,000 strings on one worker: peak RSS growth 1,345 MB against the
  // sequential map's 510 MB). Not encoded items, nor shared memory: Weft's shareables are revived from
  // `items`, and only a post shares memory (the serializer would copy it).
  const stream =
    wireItems === items && !seen.sharedMemory && worthSharing(items)
      ? pool.backend.streamItems?.(items as unknown[], request.start, blockSizeFor(total - request.start, workers.length))
      : undefined;
  const sharedItems = stream?.shared;
  const message: MapJobMessage = {
    type: 'map',
    jobId,
    fn: request.fn,
    // Shared-heap threads see the caller's context itself; workers get shareables encoded for the copy.
    ...(pool.backend.kind === 'native' ? { context: request.context, sharedContext: true as const } : { context: encodeShareables(request.context) }),
    items: sharedItems ? NO_ITEMS : wireItems,
    ...(sharedItems ? { sharedItems } : {}),
    ...(wireItems !== items ? { itemsEncoded: true as const } : {}),
    total,
    minChunk: request.minChunk,
    fixedChunk: request.fixedChunk,
    participants: workers.length,
    control,
  };

  return new Promise<void>((resolve, reject) => {
    // The first blocks are written before any worker hears of the job; the rest as workers release them.
    if (stream) {
      try {
        stream.fill(request.start);
      } catch (err) {
        reject(unsendable(where, items, request.start, err, 'the items could not be sent to the workers'));
        return;
      }
    }
    const pending = new Set<PoolWorker>();
    let done = request.start;
    let failure: unknown;
    let settled = false;

    let refill: ReturnType<typeof setTimeout> | undefined;
    const settle = (): void => {
      if (settled || pending.size > 0) return;
      settled = true;
      clearTimeout(refill);
      signal?.removeEventListener('abort', onAbort);
      if (failure !== undefined) reject(failure);
      else if (done !== total) reject(new Error(`${where}: internal error: ${done} of ${total} results arrived`));
      else resolve();
    };
    const fail = (error: unknown): void => {
      failure ??= error;
      // Participants check Stop before each item: unstarted items are cancelled.
      Atomics.store(control, MapControl.Stop, 1);
    };
    let aborted = false;
    const finish = (worker: PoolWorker): void => {
      if (aborted && pending.has(worker) && --worker.retiring === 0) pool.notifyAvailable();
      worker.detach(jobId);
      pending.delete(worker);
      settle();
    };

    const listener = {
      message(worker: PoolWorker, msg: FromWorker): void {
        switch (msg.type) {
          case 'results': {
            for (let b = 0; b < msg.starts.length; b++) {
              const at = msg.starts[b] ?? 0;
              const batch = msg.values[b] ?? [];
              for (let k = 0; k < batch.length; k++) results[at + k] = batch[k];
              done += batch.length;
            }
            if (onProgress && failure === undefined) {
              try {
                onProgress(done, total);
              } catch (err) {
                fail(err);
              }
            }
            break;
          }
          case 'item-error': {
            const cause = deserializeThrown(msg.error);
            fail(itemFailure(where, msg.index, cause));
            break;
          }
          case 'job-error': {
            const cause = deserializeThrown(msg.error);
            fail(new TaskError(`${where}: the function could not be started in a worker: ${describeThrown(cause)}`, cause));
            break;
          }
          case 'job-done':
            finish(worker);
            break;
          case 'ready':
            break;
        }
      },
      exit(worker: PoolWorker, exitCode: number | null, error: unknown): void {
        const how = exitCode === null ? 'was terminated' : `exited with code ${exitCode}`;
        const detail = error === undefined ? '' : `: ${describeThrown(error)}`;
        fail(
          new WorkerExitError(
            `${where}: a worker ${how} while running this call${detail}`,
            exitCode,
            error === undefined ? undefined : { cause: error },
          ),
        );
        finish(worker);
      },
    };

    function onAbort(): void {
      if (settled) return;
      fail(new AbortError(`${where}: aborted`, signal?.reason));
      settled = true;
      aborted = true;
      for (const worker of pending) worker.retiring++;
      reject(failure);
      // Workers stop at the next item; one still busy after the grace period is replaced. Once every
      // participant has left the job (its job-done may still be on the way), nobody is: a worker that
      // left may be running other work already.
      const timer = setTimeout(() => {
        if (Atomics.load(control, MapControl.Running) === 0) return;
        for (const worker of pending) if (worker.alive) pool.replace(worker, `it was still running this call ${ABORT_GRACE_MS} ms after the call was aborted`);
      }, ABORT_GRACE_MS);
      (timer as { unref?: () => void }).unref?.();
    }

    for (const worker of workers) {
      worker.attach(jobId, listener);
      pending.add(worker);
      try {
        worker.post(message);
      } catch (err) {
        // Nothing was sent to this worker (postMessage clones before sending); find out why.
        for (const w of pending) w.detach(jobId);
        pending.clear();
        Atomics.store(control, MapControl.Stop, 1);
        settled = true;
        reject(unsendable(where, items, 0, err, 'the job could not be sent to a worker'));
        return;
      }
    }
    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
    // Refill the ring while the job runs: every millisecond, until every block is written.
    const pump = (): void => {
      refill = undefined;
      if (settled || failure !== undefined || !stream) return;
      try {
        if (!stream.fill(Atomics.load(control, MapControl.Next))) refill = setTimeout(pump, 1);
      } catch (err) {
        fail(unsendable(where, items, request.start, err, 'the items could not be sent to the workers'));
      }
    };
    pump();
  });
}

/**
 * Why items could not be sent: the first item from `from` on that cannot be
 * cloned, as a `TypeError` naming its index and value, else `fallback` with
 * the error. Streamed items that failed say from where (`blockStart`, set by
 * the stream on the block that failed).
 */
function unsendable(where: string, items: ArrayLike<unknown>, from: number, err: unknown, fallback: string): TypeError {
  const bad = firstUncloneable(items, (err as { blockStart?: number }).blockStart ?? from);
  if (!bad) return new TypeError(`${where}: ${fallback}: ${describeThrown(err)}`);
  return new TypeError(
    `${where}: the item at index ${bad.index} cannot be sent to a worker (${describeThrown(bad.error)}); items must be structured-cloneable, received ${describeValue(items[bad.index])}`,
  );
}
