// Shared by the model tests of pool/'s lock-free structures: real workers
// racing over one structure's memory (test/fixtures/pool-model-worker.ts),
// laid out by test/fixtures/pool-model-memory.ts.
import { Worker } from 'node:worker_threads';
import { Control } from '../../fixtures/pool-model-memory.js';
import type { ModelWorkerData, ModelWorkerResult, ModelWorkerTask, RingScript } from '../../fixtures/pool-model-worker.js';
import { bundledFixture, waitUntilChanged, within } from '../../helpers.js';

/**
 * Base seed of the concurrent rounds (round `r` uses `MODEL_SEED + 100 r`,
 * worker `i` of it that plus `i`). `WEFT_MODEL_SEED=<base>` reruns the same
 * seeded operations; the interleaving is the machine's.
 */
export const MODEL_SEED = Number(process.env['WEFT_MODEL_SEED'] ?? 20261203);

/** Counter values worth starting at: 0, just below the int32 wrap (2^31), just below 2^32 (0 again). */
export const WRAP_STARTS = [0, 2 ** 31 - 37, -29] as const;

/**
 * Start one worker per task over `memory`, let them all go at once, and
 * collect their results. Worker `i` gets seed `seed + i`. A worker that has
 * not finished within `timeoutMs` reports `stuck`; one that crashes fails the
 * call. `label` (with the seed) names the round in every failure.
 */
export async function raceWorkers(
  label: string,
  seed: number,
  memory: SharedArrayBuffer,
  tasks: readonly ModelWorkerTask[],
  timeoutMs = 20_000,
): Promise<ModelWorkerResult[]> {
  const control = new Int32Array(new SharedArrayBuffer(Control.Length * 4));
  const deadline = Date.now() + timeoutMs;
  const code = await bundledFixture('pool-model-worker.ts');
  const workers = tasks.map((task, i) => {
    const workerData: ModelWorkerData = { ...task, seed: seed + i, control: control.buffer as SharedArrayBuffer, memory, deadline };
    return new Worker(code, { eval: true, workerData });
  });
  const results = workers.map(
    (worker, i) =>
      new Promise<ModelWorkerResult>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', (err) => reject(new Error(`${label} (seed ${seed}): worker ${i} failed: ${String(err)}`)));
        worker.once('exit', (code) => reject(new Error(`${label} (seed ${seed}): worker ${i} exited with ${code} before reporting`)));
      }),
  );
  const all = Promise.all(results);
  try {
    // Start together: wait (bounded) until every worker is at the gate, then open it.
    const ready = (async () => {
      for (let seen = 0; seen < tasks.length; ) seen = await waitUntilChanged(control, Control.Ready, seen, timeoutMs);
    })();
    await Promise.race([ready, all]);
    Atomics.store(control, Control.Go, 1);
    Atomics.notify(control, Control.Go);
    return await within(all, timeoutMs + 5_000, `${label} (seed ${seed})`);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Fail with every worker's violations or stuck report, naming the round and its seed. */
export function expectClean(label: string, seed: number, results: readonly ModelWorkerResult[]): void {
  const problems = results.flatMap((result, i) => [
    ...result.violations.slice(0, 5).map((v) => `worker ${i}: ${v}`),
    ...(result.stuck === undefined ? [] : [`worker ${i} stuck: ${result.stuck}`]),
  ]);
  if (problems.length > 0) throw new Error(`${label} (seed ${seed}, rerun with WEFT_MODEL_SEED=${MODEL_SEED}):\n${problems.join('\n')}`);
}

/** Fail unless `taken` (all workers' takes together) holds each of `expected` exactly once. */
export function expectEachOnce(label: string, seed: number, expected: readonly number[], taken: readonly number[]): void {
  const counts = new Map<number, number>();
  for (const v of taken) counts.set(v, (counts.get(v) ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1).map(([v]) => v);
  const lost = expected.filter((v) => !counts.has(v));
  const known = new Set(expected);
  const unknown = [...counts.keys()].filter((v) => !known.has(v));
  if (twice.length + lost.length + unknown.length > 0) {
    throw new Error(
      `${label} (seed ${seed}, rerun with WEFT_MODEL_SEED=${MODEL_SEED}): ${lost.length} lost (${lost.slice(0, 8).join(', ')}), ` +
        `${twice.length} taken twice (${twice.slice(0, 8).join(', ')}), ${unknown.length} never put in (${unknown.slice(0, 8).join(', ')})`,
    );
  }
}

/**
 * A worker that runs ring scripts (see `RingScript`) one at a time. A script
 * that has not answered within `timeoutMs` fails (the ring looped forever),
 * and the next one gets a fresh worker.
 */
export class RingScriptWorker {
  private worker: Worker | undefined;

  async run(script: RingScript, timeoutMs = 2_000): Promise<(number | boolean)[]> {
    const worker = (this.worker ??= new Worker(await bundledFixture('pool-model-worker.ts'), { eval: true, workerData: { role: 'ring-script' } }));
    const answer = new Promise<(number | boolean)[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    worker.postMessage(script);
    try {
      return await within(answer, timeoutMs, `a ring script (${script.ops.length} operations from ${script.start}, capacity ${script.capacity})`);
    } catch (err) {
      await this.close();
      throw err;
    } finally {
      worker.removeAllListeners('message');
      worker.removeAllListeners('error');
    }
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
