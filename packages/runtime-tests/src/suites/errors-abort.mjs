// parallelMap: failures inside workers (index and cause), worker death, abort.
import { AbortError, parallelMap, Pool, registerErrorClass, TaskError, WeftError, WorkerExitError } from 'weftjs';
import { blocksTheCaller, describe, expect, it, notInBrowser, rejectionOf, sharedFlags, waitUntilChanged, within, workersOnly } from '../harness.mjs';

class QuotaExceeded extends Error {
  name = 'QuotaExceeded';
}
registerErrorClass(QuotaExceeded);

const cannotKillAThread = 'a native thread cannot exit or die alone: process.exit or an uncaught error ends the whole process';

describe('parallelMap: failures inside workers', () => {
  it('rejects with the item index and the original error: class name, message, code, cause, stack, own props', async () => {
    const err = await parallelMap([1, 2, 3, 4], (x) => {
      if (x === 3) {
        class ParseFailure extends Error {
          code = 'E_PARSE';
          line = 12;
        }
        const e = new ParseFailure(`cannot parse ${x}`, { cause: new TypeError('inner') });
        e.name = 'ParseFailure';
        throw e;
      }
      return x;
    }, { inline: 'never' }).catch((e) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect(err).toBeInstanceOf(WeftError);
    expect(err.code).toBe('WEFT_TASK_FAILED');
    expect(err.index).toBe(2);
    expect(err.message).toContain('index 2');
    expect(err.message).toContain('cannot parse 3');
    const cause = err.cause;
    expect(cause).toBeInstanceOf(Error);
    expect(cause.name).toBe('ParseFailure');
    expect(cause.message).toBe('cannot parse 3');
    expect(cause.code).toBe('E_PARSE');
    expect(cause.line).toBe(12);
    expect(cause.stack).toContain('cannot parse 3');
    expect(cause.cause).toBeInstanceOf(TypeError);
    expect(cause.cause.message).toBe('inner');
  });

  it('rebuilds built-in and registered error classes', async () => {
    const range = await parallelMap([1], () => {
      throw new RangeError('too big');
    }, { inline: 'never' }).catch((e) => e.cause);
    expect(range).toBeInstanceOf(RangeError);
    const quota = await parallelMap([1], () => {
      const e = new Error('over quota');
      e.name = 'QuotaExceeded';
      throw e;
    }, { inline: 'never' }).catch((e) => e.cause);
    expect(quota).toBeInstanceOf(QuotaExceeded);
    expect(quota.message).toBe('over quota');
  });

  it('carries thrown non-errors as they are', async () => {
    const plain = await parallelMap([1], () => {
      throw { reason: 'plain object' };
    }, { inline: 'never' }).catch((e) => e.cause);
    expect(plain).toEqual({ reason: 'plain object' });
  });

  it('cancels unstarted chunks after a failure', async () => {
    const started = new Int32Array(new SharedArrayBuffer(4));
    await parallelMap(Array.from({ length: 10_000 }, (_, i) => i), (x, _i, ctx) => {
      Atomics.add(ctx.started, 0, 1);
      if (x === 0) throw new Error('first item fails');
      return x;
    }, { context: { started }, chunkSize: 10, inline: 'never' }).catch(() => undefined);
    // The failing worker stops at once and the others stop at their next item.
    expect(Atomics.load(started, 0)).toBeLessThan(10_000);
  });

  it('rejects a failure on the calling thread with the index too', async () => {
    const err = await rejectionOf(parallelMap(['a', 'b'], (s) => {
      if (s === 'b') throw new SyntaxError('bad b');
      return s;
    }));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(1);
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  it('refuses results that cannot be cloned, naming the index', async () => {
    const err = await rejectionOf(parallelMap([1, 2, 3], (x) => (x === 2 ? () => x : x), { inline: 'never' }));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(1);
    expect(err.cause).toBeInstanceOf(TypeError);
    expect(err.cause.message).toContain('index 1');
  }, { skip: workersOnly('native results pass by identity; nothing is cloned') });

  it('rejects with WorkerExitError when an uncaught error kills a worker, and recovers', async () => {
    const err = await within(parallelMap([1, 2, 3], (x) => {
      if (x === 2) {
        setTimeout(() => {
          throw new Error('uncaught in worker');
        });
        return new Promise(() => {});
      }
      return x;
    }, { inline: 'never', chunkSize: 1 }).catch((e) => e), 20_000, 'the call whose worker died');
    expect(err).toBeInstanceOf(WorkerExitError);
    expect(err.code).toBe('WEFT_WORKER_EXIT');
    expect(await parallelMap([1, 2, 3, 4], (x) => x + 1, { inline: 'never' })).toEqual([2, 3, 4, 5]);
  }, { skip: workersOnly(cannotKillAThread) });

  it('rejects with WorkerExitError carrying the exit code when a worker calls process.exit, and the pool recovers', async () => {
    const err = await parallelMap([1, 2, 3], (x) => {
      if (x === 2) globalThis.process.exit(7);
      return x;
    }, { inline: 'never', chunkSize: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(WorkerExitError);
    expect(err.exitCode).toBe(7);
    expect(err.code).toBe('WEFT_WORKER_EXIT');
    // A fresh worker replaces the dead one.
    expect(await parallelMap([1, 2, 3, 4], (x) => x + 1, { inline: 'never' })).toEqual([2, 3, 4, 5]);
  }, { skip: [notInBrowser('process.exit'), workersOnly(cannotKillAThread)] });

  it('stays usable after each kind of failure', async () => {
    for (let round = 0; round < 5; round++) {
      const err = await rejectionOf(parallelMap([round], (x) => {
        throw new Error(`round ${x}`);
      }, { inline: 'never' }));
      expect(err.message).toContain(`round ${round}`);
      expect(err.cause.message).toBe(`round ${round}`);
      expect(await parallelMap([round, round + 1], (x) => x * 2, { inline: 'never' })).toEqual([round * 2, round * 2 + 2]);
    }
  });
});

describe('parallelMap: abort', () => {
  it('rejects at once when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    const err = await parallelMap([1, 2], (x) => x, { signal: ac.signal }).catch((e) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(err.code).toBe('WEFT_ABORTED');
    expect(err.cause).toEqual(new Error('stop'));
  });

  it('rejects promptly while items run, and replaces workers stuck in a loop', async () => {
    const flags = sharedFlags();
    const ac = new AbortController();
    const run = parallelMap([0, 1], (_x, _i, ctx) => {
      Atomics.add(ctx.flags, 0, 1);
      Atomics.notify(ctx.flags, 0);
      // Ignores the abort: spins until terminated.
      for (;;) if (Atomics.load(ctx.flags, 1) === 99) return 1;
    }, { context: { flags }, signal: ac.signal, inline: 'never', chunkSize: 1 });
    // Handshake: a worker is inside the function.
    await waitUntilChanged(flags, 0, 0);
    ac.abort();
    const err = await within(run.catch((e) => e), 2_000, 'the aborted call');
    expect(err).toBeInstanceOf(AbortError);
    // Had a stuck worker been left behind, this call would never finish.
    expect(await within(parallelMap([1, 2, 3, 4], (x) => x * 2, { inline: 'never' }), 10_000, 'the next call')).toEqual([2, 4, 6, 8]);
  }, { skip: workersOnly('a native thread cannot be stopped: an item that ignores the abort keeps its thread') });

  it('does not replace a worker that left the aborted call before the grace period ended', async () => {
    const pool = new Pool({ size: 1 });
    try {
      const flags = sharedFlags(4);
      const ac = new AbortController();
      const run = pool.map([0], (x, _i, ctx) => {
        Atomics.store(ctx.flags, 0, 1);
        Atomics.notify(ctx.flags, 0);
        Atomics.wait(ctx.flags, 1, 0, 10_000); // until the caller has aborted
        Atomics.store(ctx.flags, 0, 2);
        Atomics.notify(ctx.flags, 0);
        return x;
      }, { context: { flags }, signal: ac.signal, inline: 'never' });
      await waitUntilChanged(flags, 0, 0);
      const abortedAt = performance.now();
      ac.abort();
      expect(await rejectionOf(run)).toBeInstanceOf(AbortError);
      let next;
      // From inside a timer, hold this thread while the worker leaves the aborted call and starts the
      // next task, until the grace period is over: the grace timer, now due, then runs in the same turn
      // of timers, before this thread reads the worker's job-done message (as when a loaded machine
      // delays that message). Replacing the worker then would kill the next task.
      await new Promise((resolve) => setTimeout(() => {
        Atomics.store(flags, 1, 1);
        Atomics.notify(flags, 1);
        Atomics.wait(flags, 0, 1, 10_000);
        next = pool.run((ctx) => {
          Atomics.store(ctx.flags, 2, 1);
          Atomics.notify(ctx.flags, 2);
          Atomics.wait(ctx.flags, 3, 0, 10_000);
          return 'done';
        }, { flags });
        Atomics.wait(flags, 2, 0, 10_000);
        while (performance.now() - abortedAt < 300);
        resolve();
      }, 0));
      // Replacing it would have been decided by now, in that grace timer.
      expect(pool.stats.replaced).toBe(0);
      Atomics.store(flags, 3, 1);
      Atomics.notify(flags, 3);
      expect(await within(next, 10_000, 'the next task')).toBe('done');
      expect(pool.stats.replaced).toBe(0);
    } finally {
      await pool.close();
    }
  }, { skip: [workersOnly('a native thread is never replaced'), blocksTheCaller('holding the calling thread')] });

  it('lets cooperative items stop without losing the pool', async () => {
    const ac = new AbortController();
    const run = parallelMap(Array.from({ length: 50_000 }, (_, i) => i), (x) => {
      let s = 0;
      for (let i = 0; i < 2_000; i++) s += i ^ x;
      return s;
    }, { signal: ac.signal, inline: 'never', onProgress: () => ac.abort() });
    expect(await rejectionOf(run)).toBeInstanceOf(AbortError);
    expect(await parallelMap([5], (x) => x, { inline: 'never' })).toEqual([5]);
  });
});
