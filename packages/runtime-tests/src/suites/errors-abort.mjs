// parallelMap: failures inside workers (index and cause), worker death, abort.
import { AbortError, parallelMap, registerErrorClass, TaskError, WeftError, WorkerExitError } from 'weftjs';
import { describe, expect, it, rejectionOf, sharedFlags, waitUntilChanged, within } from '../harness.mjs';

class QuotaExceeded extends Error {
  name = 'QuotaExceeded';
}
registerErrorClass(QuotaExceeded);

describe('parallelMap: errors', () => {
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

  it('rebuilds built-in and registered error classes, and carries non-errors as they are', async () => {
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
    const plain = await parallelMap([1], () => {
      throw { reason: 'plain object' };
    }, { inline: 'never' }).catch((e) => e.cause);
    expect(plain).toEqual({ reason: 'plain object' });
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
  });

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
  });

  it('rejects with WorkerExitError carrying the exit code when a worker calls process.exit', async () => {
    const err = await parallelMap([1, 2, 3], (x) => {
      if (x === 2) globalThis.process.exit(7);
      return x;
    }, { inline: 'never', chunkSize: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(WorkerExitError);
    expect(err.exitCode).toBe(7);
    expect(await parallelMap([1, 2], (x) => x + 1, { inline: 'never' })).toEqual([2, 3]);
  }, { skip: (rt) => (rt === 'browser' ? 'browsers have no process.exit' : undefined) });

  it('stays usable after repeated failures', async () => {
    for (let round = 0; round < 3; round++) {
      const err = await rejectionOf(parallelMap([round], (x) => {
        throw new Error(`round ${x}`);
      }, { inline: 'never' }));
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
      for (;;) if (Atomics.load(ctx.flags, 1) === 99) return 1;
    }, { context: { flags }, signal: ac.signal, inline: 'never', chunkSize: 1 });
    await waitUntilChanged(flags, 0, 0);
    ac.abort();
    const err = await within(run.catch((e) => e), 2_000, 'the aborted call');
    expect(err).toBeInstanceOf(AbortError);
    expect(await within(parallelMap([1, 2, 3, 4], (x) => x * 2, { inline: 'never' }), 10_000, 'the next call')).toEqual([2, 4, 6, 8]);
  });

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
