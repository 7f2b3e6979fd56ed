import { describe, expect, it } from 'vitest';
import { parallelMap, registerErrorClass, TaskError, WeftError, WorkerExitError } from 'weftjs';
import { rejectionOf } from '../helpers.js';
import { itOnWorkers } from '../backend.js';

class QuotaExceeded extends Error {
  override name = 'QuotaExceeded';
}
registerErrorClass(QuotaExceeded);

describe('parallelMap: failures inside workers', () => {
  it('rejects with the item index and the original error: class name, message, code, cause, stack, own props', async () => {
    const err = await parallelMap(
      [1, 2, 3, 4],
      (x) => {
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
      },
      { inline: 'never' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect(err).toBeInstanceOf(WeftError);
    const taskError = err as TaskError;
    expect(taskError.code).toBe('WEFT_TASK_FAILED');
    expect(taskError.index).toBe(2);
    expect(taskError.message).toContain('index 2');
    expect(taskError.message).toContain('cannot parse 3');
    const cause = taskError.cause as Error & { code: string; line: number };
    expect(cause).toBeInstanceOf(Error);
    expect(cause.name).toBe('ParseFailure');
    expect(cause.message).toBe('cannot parse 3');
    expect(cause.code).toBe('E_PARSE');
    expect(cause.line).toBe(12);
    expect(cause.stack).toContain('cannot parse 3');
    expect(cause.cause).toBeInstanceOf(TypeError);
    expect((cause.cause as Error).message).toBe('inner');
  });

  it('rebuilds built-in and registered error classes', async () => {
    const range = await parallelMap([1], () => { throw new RangeError('too big'); }, { inline: 'never' }).catch((e: TaskError) => e.cause);
    expect(range).toBeInstanceOf(RangeError);
    const quota = await parallelMap(
      [1],
      () => {
        const e = new Error('over quota');
        e.name = 'QuotaExceeded';
        throw e;
      },
      { inline: 'never' },
    ).catch((e: TaskError) => e.cause);
    expect(quota).toBeInstanceOf(QuotaExceeded);
    expect((quota as Error).message).toBe('over quota');
  });

  it('carries thrown non-errors as they are', async () => {
    const cause = await parallelMap([1], () => { throw { reason: 'plain object' }; }, { inline: 'never' }).catch((e: TaskError) => e.cause);
    expect(cause).toEqual({ reason: 'plain object' });
  });

  it('cancels unstarted chunks after a failure', async () => {
    const started = new Int32Array(new SharedArrayBuffer(4));
    await parallelMap(
      Array.from({ length: 10_000 }, (_, i) => i),
      (x, _i, ctx) => {
        Atomics.add(ctx.started, 0, 1);
        if (x === 0) throw new Error('first item fails');
        return x;
      },
      { context: { started }, chunkSize: 10, inline: 'never' },
    ).catch(() => undefined);
    // The failing worker stops at once and the others stop at their next item.
    expect(Atomics.load(started, 0)).toBeLessThan(10_000);
  });

  it('rejects a failure on the calling thread with the index too', async () => {
    const err = await rejectionOf<TaskError>(parallelMap(['a', 'b'], (s) => { if (s === 'b') throw new SyntaxError('bad b'); return s; }));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(1);
    expect(err.cause).toBeInstanceOf(SyntaxError);
  });

  itOnWorkers('refuses results that cannot be cloned, naming the index', 'native results pass by identity; nothing is cloned', async () => {
    const err = await rejectionOf<TaskError>(parallelMap([1, 2, 3], (x) => (x === 2 ? () => x : x), { inline: 'never' }));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(1);
    expect(err.cause).toBeInstanceOf(TypeError);
    expect((err.cause as Error).message).toContain('index 1');
  });

  itOnWorkers('rejects with WorkerExitError when a worker dies, and the pool recovers', 'process.exit on a native thread ends the whole process; threads cannot be killed alone', async () => {
    const err = await parallelMap(
      [1, 2, 3],
      (x) => {
        if (x === 2) (globalThis as unknown as { process: { exit(code: number): never } }).process.exit(7);
        return x;
      },
      { inline: 'never', chunkSize: 1 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerExitError);
    expect((err as WorkerExitError).exitCode).toBe(7);
    expect((err as WorkerExitError).code).toBe('WEFT_WORKER_EXIT');
    // A fresh worker replaces the dead one.
    expect(await parallelMap([1, 2, 3, 4], (x) => x + 1, { inline: 'never' })).toEqual([2, 3, 4, 5]);
  });

  it('stays usable after each kind of failure', async () => {
    for (let round = 0; round < 5; round++) {
      await expect(parallelMap([round], (x) => { throw new Error(`round ${x}`); }, { inline: 'never' })).rejects.toThrow(`round ${round}`);
      expect(await parallelMap([round, round + 1], (x) => x * 2, { inline: 'never' })).toEqual([round * 2, round * 2 + 2]);
    }
  });
});
