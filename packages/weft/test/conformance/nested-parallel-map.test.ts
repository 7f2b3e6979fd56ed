import { describe, expect, it } from 'vitest';
import { Pool, TaskError } from 'weftjs';
import { failingAt, nestedThreadIds, sumOfSquares } from '../fixtures/nested-tasks.mjs';
import { itOnWorkers } from '../backend.js';
import { rejectionOf } from '../helpers.js';

const expectedSum = (n: number): number => Array.from({ length: n }, (_, i) => i * i).reduce((a, b) => a + b, 0);

describe('parallelMap inside a pool task runs on that pool', () => {
  it('finishes when every worker is nested at once (no deadlock), with the right results', async () => {
    await using pool = new Pool({ size: 2 });
    const sizes = [500, 1000, 1500, 2000, 2500, 3000];
    const sums = await pool.map(sizes, sumOfSquares, { inline: 'never' });
    expect(sums).toEqual(sizes.map(expectedSum));
  });

  itOnWorkers('starts no workers: nested items run on the pool’s own workers', 'worker thread ids', async () => {
    await using pool = new Pool({ size: 2 });
    const threadId = (): number => (globalThis as unknown as Record<symbol, number>)[Symbol.for('weft.threadId')]!;
    const own = await pool.map(Array.from({ length: 64 }, (_, i) => i), threadId, { inline: 'never', chunkSize: 1 });
    const nested = (await pool.map([64, 64, 64, 64], nestedThreadIds, { inline: 'never', chunkSize: 1 })).flat();
    expect(nested).toHaveLength(256);
    for (const id of [...own, ...nested]) expect(Number.isInteger(id) && id > 0).toBe(true);
    // A pool started inside a worker would add threads of its own: at most two threads ever run items.
    expect(new Set([...own, ...nested]).size).toBeLessThanOrEqual(2);
  });

  it('rejects with the failing item’s index and original error, and the pool stays usable', async () => {
    await using pool = new Pool({ size: 2 });
    const err = await rejectionOf<TaskError>(pool.run(failingAt, 5));
    expect(err).toBeInstanceOf(TaskError);
    const nested = err.cause as TaskError;
    expect(nested.name).toBe('TaskError');
    expect(nested.index).toBe(5);
    expect((nested.cause as Error).name).toBe('RangeError');
    expect((nested.cause as Error).message).toBe('bad item 5');
    expect(await pool.run(sumOfSquares, 100)).toBe(expectedSum(100));
  });
});
