// fork/join/scope inside pool tasks (the tasks are module functions: ../../../weft/test/fixtures/fork-tasks.mjs),
// and fork on the calling thread.
import { AtomicInt32, fork, join, Pool, scope, TaskError } from 'weftjs';
import { awaitChild, countLeaves, crashingChild, doubleInPlace, failingChild, fib, nqueens, squares, sum } from '../../../weft/test/fixtures/fork-tasks.mjs';
import { describe, expect, it, notInBrowser, rejectionOf, within, workersOnly } from '../harness.mjs';

const fibSeq = (n) => (n < 2 ? n : fibSeq(n - 1) + fibSeq(n - 2));

describe('fork-join inside tasks', () => {
  let shared;
  const pool = () => (shared ??= new Pool({ size: 2 }));

  it('computes recursive fib with forks and joins', async () => {
    expect(await within(pool().run(fib, 24, 12), 60_000, 'fib(24)')).toBe(fibSeq(24));
  });

  it('steals: idle workers take forked work', async () => {
    // Whether an idle worker steals during one call depends on the scheduler (a loaded machine, or the
    // shim's one lock, can leave the others no turn in 20 ms): round after round until one does, bounded.
    const before = pool().stats.stolen;
    for (let round = 0; round < 20 && pool().stats.stolen === before; round++) {
      expect(await pool().run(fib, 30, 20)).toBe(fibSeq(30));
    }
    expect(pool().stats.stolen).toBeGreaterThan(before);
  });

  it('does not deadlock when every worker waits in join (work while you wait)', async () => {
    // Many more nested joins than workers.
    const results = await within(Promise.all([pool().run(fib, 22, 2), pool().run(fib, 22, 2), pool().run(fib, 21, 2)]), 60_000, 'nested joins');
    expect(results).toEqual([fibSeq(22), fibSeq(22), fibSeq(21)]);
  });

  it('join([fn, ...args], [fn, ...args]) returns both results', async () => {
    expect(await pool().run(sum, 0, 100_000)).toBe((99_999 * 100_000) / 2);
  });

  it('scope waits for everything forked in it', async () => {
    expect(await pool().run(squares, [1, 2, 3, 4, 5])).toEqual([1, 4, 9, 16, 25]);
  });

  it('counts n-queens solutions with one fork per column', async () => {
    expect(await pool().run(nqueens, 8)).toBe(92);
  });

  it('rethrows a forked task failure in the parent, with its class and code', async () => {
    const err = await rejectionOf(pool().run(failingChild, 7));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.cause).toBeInstanceOf(RangeError);
    expect(err.cause.message).toBe('child 7 failed');
    expect(err.cause.code).toBe('E_CHILD');
  });

  it('passes shared memory through forks: a typed array on a SharedArrayBuffer is the same memory in every fork', async () => {
    const n = 50_000;
    const data = new Float64Array(new SharedArrayBuffer(n * 8));
    for (let i = 0; i < n; i++) data[i] = i;
    expect(await pool().run(doubleInPlace, data, 0, n)).toBe(n);
    let wrong = -1;
    for (let i = 0; i < n && wrong < 0; i++) if (data[i] !== 2 * i) wrong = i;
    expect(wrong).toBe(-1);
    // Small enough to fit a slot's payload: a copy there would lose every fork's writes.
    const small = new Float64Array(new SharedArrayBuffer(64 * 8)).fill(1);
    expect(await pool().run(doubleInPlace, small, 0, 64, 4)).toBe(64);
    expect([...small].every((v) => v === 2)).toBe(true);
  });

  it('passes shareables through forks: every fork adds to the same atomic cell', async () => {
    const cell = new AtomicInt32(0);
    expect(await pool().run(countLeaves, cell, 8)).toBe(256);
    expect(cell.load()).toBe(256);
  });

  it('lets an async task await a fork handle', async () => {
    expect(await pool().run(awaitChild, 6)).toBe(37);
  });

  it('fails the parent, instead of hanging, when a forked child kills its worker', async () => {
    const err = await within(rejectionOf(pool().run(crashingChild)), 30_000, 'crashing child');
    // Either the child died on another worker (the parent sees WorkerExitError from join),
    // or on the parent's own worker (the parent itself dies).
    const exit = err instanceof TaskError ? err.cause : err;
    expect(exit.name).toBe('WorkerExitError');
    expect(await pool().run(fib, 10)).toBe(55);
  }, { skip: [notInBrowser('process.exit (the fixture crashes its worker with it)'), workersOnly('threads cannot be killed alone; process.exit ends the whole process')] });

  it('the pool terminates cleanly', async () => {
    await within(pool().terminate(), 10_000, 'terminate()');
    shared = undefined;
  });
});

describe('fork-join outside tasks', () => {
  it('fork on the calling thread runs on the default pool; await works, join() refuses', async () => {
    const handle = fork((x) => x * 2, 21);
    expect(await handle).toBe(42);
    expect(() => handle.join()).toThrow(/only inside a pool task/);
    expect(() => join([(x) => x, 1], [(x) => x, 2])).toThrow(/only inside a pool task/);
    expect(() => scope(() => 1)).toThrow(/only inside a pool task/);
  });

  it('refuses functions that capture variables', () => {
    let k = 3; // `let`: Bun's transpiler inlines const primitives
    expect(() => fork((x) => x * k, 1)).toThrow(/outer variable k/);
  });
});
