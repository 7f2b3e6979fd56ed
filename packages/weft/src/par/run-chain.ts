/**
 * Running a chain: cut the source into chunks, run the fused chunk function
 * over them with `parallelMap`'s machinery, and give back the per-chunk
 * results in input order. Failures inside a chunk come back as the item's
 * failure, at its source index.
 *
 * @module
 */
import { describeThrown } from '../codec/error-codec.js';
import { TaskError } from '../errors.js';
import { mapOnWorkers, runsOnWorkersOnly } from '../map/map-on-workers.js';
import { itemFailure } from '../map/run-inline.js';
import { defaultWorkers } from '../pool/default-pool.js';
import { compileChunk, sinkFunctions, ITEM_FAILURE, ITEM_FAILURE_INDEX, type ChunkEnv, type ChunkTask, type Sink } from './compile-chunk.js';
import type { ChainPlan } from './par-options.js';
import type { Stage } from './stage.js';

/** Chunks per participant by default: enough for uneven items to balance, few enough that per-chunk costs vanish. */
const CHUNKS_PER_WORKER = 16;

/** The parallelism to cut for when `concurrency` does not say: the machine's, where the runtime tells. */
function parallelismHint(): number {
  const hint = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof hint === 'number' && hint >= 1 ? hint : 8;
}

/** The source indices `[start, end)` of each chunk, with a copy of its items unless the source is read in place. */
function cutChunks(plan: ChainPlan): ChunkTask[] {
  const { items, inPlace } = plan;
  const total = items.length;
  const parallelism = plan.concurrency ?? parallelismHint();
  const size = plan.chunkSize ?? Math.max(1, Math.ceil(total / (parallelism * CHUNKS_PER_WORKER)));
  const chunks: ChunkTask[] = [];
  for (let start = 0; start < total; start += size) {
    const end = Math.min(total, start + size);
    chunks.push(inPlace ? { start, end } : { start, end, items: (items as unknown[]).slice(start, end) });
  }
  return chunks;
}

function unwrapFailure(where: string, err: unknown, chunks: readonly ChunkTask[]): unknown {
  if (!(err instanceof TaskError)) return err;
  const cause = err.cause as { name?: unknown; cause?: unknown; [ITEM_FAILURE_INDEX]?: unknown } | null | undefined;
  if (typeof cause === 'object' && cause !== null && cause.name === ITEM_FAILURE && typeof cause[ITEM_FAILURE_INDEX] === 'number') {
    return itemFailure(where, cause[ITEM_FAILURE_INDEX], cause.cause);
  }
  // Not one item's failure (a chunk's results could not be sent back): name the chunk's items.
  const chunk = err.index === undefined ? undefined : chunks[err.index];
  if (chunk === undefined) return err;
  return new TaskError(`${where}: the chunk of source items ${chunk.start} to ${chunk.end - 1} failed: ${describeThrown(err.cause)}`, err.cause);
}

/**
 * Run `stages` and `sink` over the plan's source; resolves with one result
 * per chunk, in input order. Throws synchronously for what `parallelMap`
 * refuses at the call (a context that cannot be cloned, for one).
 */
export function runChain(where: string, plan: ChainPlan, stages: readonly Stage[], sink: Sink, extra: Omit<ChunkEnv, 'context' | 'source'> = {}): Promise<unknown[]> {
  const chunks = cutChunks(plan);
  const env: ChunkEnv = { ...extra, context: plan.options.context, ...(plan.inPlace ? { source: plan.items } : {}) };
  const chunkFn = compileChunk(stages, sink, plan.closures);
  const { onProgress } = plan.options;
  const total = plan.items.length;
  const size = chunks[0] === undefined ? 0 : chunks[0].end - chunks[0].start;
  // A chain with a fromModule function runs every chunk on workers, as parallelMap runs that function.
  const workersOnly = [...stages, ...sinkFunctions(sink)].some((fn) => runsOnWorkersOnly(fn.module));
  const inline = workersOnly ? 'never' : plan.options.inline;
  const options = {
    context: env,
    ...(plan.concurrency === undefined ? {} : { concurrency: plan.concurrency }),
    ...(plan.options.signal === undefined ? {} : { signal: plan.options.signal }),
    ...(inline === undefined ? {} : { inline }),
    ...(plan.pool === undefined && plan.options.backend !== undefined ? { backend: plan.options.backend } : {}),
    // parallelMap counts chunks; the user counts source items.
    ...(onProgress === undefined ? {} : { onProgress: (done: number, of: number) => onProgress(done === of ? total : Math.min(total, done * size), total) }),
  };
  const pool = plan.pool;
  const running =
    pool === undefined
      ? mapOnWorkers(where, defaultWorkers, chunks, chunkFn, options, true)
      : mapOnWorkers(where, () => pool.workerPool(), chunks, chunkFn, options);
  return running.then(
    (results) => results as unknown[],
    (err: unknown) => {
      throw unwrapFailure(where, err, chunks);
    },
  );
}
