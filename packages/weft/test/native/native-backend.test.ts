// The native backend on the Thread API shim (packages/thread-shim), with preemption on.
// The rest of the conformance suite on this backend is tracked in issue 6.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, parallelMap, Pool } from 'weft';

const require = createRequire(import.meta.url);
const shim = require('@weft/thread-shim') as { install(options: { preempt?: boolean | { intervalMs: number } }): void };
shim.install({ preempt: { intervalMs: 2 } });

describe('native backend (thread shim, preemptive)', () => {
  it('runs closures that capture variables, sharing values by identity', async () => {
    const factor = 3;
    const seen = new Set<object>();
    const shared = { tag: 'same object' };
    const threadIds = new Set<number>();
    const out = await parallelMap(
      [1, 2, 3, 4],
      (x) => {
        seen.add(shared);
        threadIds.add((globalThis as unknown as { Thread: { current: { id: number } } }).Thread.current.id);
        return x * factor;
      },
      { backend: 'native', inline: 'never' },
    );
    expect(out).toEqual([3, 6, 9, 12]);
    expect([...seen]).toEqual([shared]);
    // Ran on spawned threads (id > 0), not on the main thread (id 0).
    expect(threadIds.size).toBeGreaterThan(0);
    expect([...threadIds].every((id) => id > 0)).toBe(true);
  });

  it('reports item failures with the index and the same error object', async () => {
    const boom = new RangeError('boom');
    const err = await parallelMap([1, 2], (x) => { if (x === 2) throw boom; return x; }, { backend: 'native', inline: 'never' }).catch((e: unknown) => e);
    expect((err as { index: number }).index).toBe(1);
    expect((err as Error).cause).toBeInstanceOf(RangeError);
  });

  it('Pool tasks on the native backend refuse clearly instead of hanging (scheduler: issue 6)', async () => {
    const pool = new Pool({ backend: 'native', size: 2 });
    const err = await pool.run((x: number) => x + 1, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as BackendUnavailableError).backend).toBe('native');
    await pool.terminate();
  });
});
