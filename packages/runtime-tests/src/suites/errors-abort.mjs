// parallelMap: failures inside workers (index and cause), worker death, abort.
import { AbortError, parallelMap, registerErrorClass, TaskError, WeftError, WorkerExitError } from 'weftjs';
import { describe, expect, it, notInBrowser, rejectionOf, sharedFlags, waitUntilChanged, within, workersOnly } from '../harness.mjs';

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
