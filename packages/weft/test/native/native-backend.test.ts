// What only the native backend does: closures run as they are and values
// pass by identity, on the Thread API shim (installed with preemption by the
// native project's setup file). The shared conformance suite runs on this
// backend too (vitest project `native`).
import { describe, expect, it } from 'vitest';
import { Channel, fork, parallelMap, Pool, TaskError } from 'weftjs';

const threadId = (): number => (globalThis as unknown as { Thread: { current: { id: number } } }).Thread.current.id;

describe('native backend (thread shim, preemptive)', () => {
  it('parallelMap runs closures that capture variables on spawned threads, sharing values by identity', async () => {
    const factor = 3;
    const shared = { tag: 'same object' };
    const seen = new Set<object>();
    const threadIds = new Set<number>();
    const out = await parallelMap(
      [1, 2, 3, 4],
      (x) => {
        seen.add(shared);
        threadIds.add(threadId());
        return x * factor;
      },
      { inline: 'never' },
    );
    expect(out).toEqual([3, 6, 9, 12]);
    expect([...seen]).toEqual([shared]);
    // Ran on spawned threads (id > 0), not on the main thread (id 0).
    expect(threadIds.size).toBeGreaterThan(0);
    expect([...threadIds].every((id) => id > 0)).toBe(true);
  });

  it('parallelMap hands every thread the caller\'s context object itself', async () => {
    const context = { hits: [] as number[] };
    const same = await parallelMap([1, 2, 3], (x, _i, ctx) => {
      ctx.hits.push(x);
      return ctx === context;
    }, { context, inline: 'never' });
    expect(same).toEqual([true, true, true]);
    expect(context.hits.sort()).toEqual([1, 2, 3]);
  });

  it('reports item failures with the index and the same error object', async () => {
    const boom = new RangeError('boom');
    const err = await parallelMap([1, 2], (x) => { if (x === 2) throw boom; return x; }, { inline: 'never' }).catch((e: unknown) => e);
    expect((err as { index: number }).index).toBe(1);
    expect((err as Error).cause).toBeInstanceOf(RangeError);
  });

  it('Pool.run takes closures, arguments and results by identity, and rejects with the thrown object itself', async () => {
    const pool = new Pool({ size: 2 });
    const offset = 10;
    const arg = { n: 1 };
    const result = await pool.run((o: { n: number }) => ({ o, n: o.n + offset }), arg);
    expect(result.o).toBe(arg);
    expect(result.n).toBe(11);
    const thrown = new TypeError('from a thread');
    const err = await pool.run(() => { throw thrown; }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).cause).toBe(thrown);
    await pool.close();
  });

  it('fork-join runs capturing closures on the pool\'s threads', async () => {
    const pool = new Pool({ size: 2 });
    const cutoff = 12;
    const fib = (n: number): number => {
      if (n < cutoff) return n < 2 ? n : fib(n - 1) + fib(n - 2);
      const left = fork(fib, n - 1);
      const right = fib(n - 2);
      return left.join() + right;
    };
    expect(await pool.run(fib, 22)).toBe(17711);
    await pool.close();
  });

  it('channels pass values by identity between the main thread and tasks', async () => {
    const pool = new Pool({ size: 2 });
    const ch = new Channel<{ fn: () => number }>(2);
    const value = { fn: () => 7 };
    const received = pool.run(() => {
      const v = ch.receiveSync();
      return { same: v === value, called: v.fn() };
    });
    await ch.send(value);
    expect(await received).toEqual({ same: true, called: 7 });
    await pool.close();
  });
});
