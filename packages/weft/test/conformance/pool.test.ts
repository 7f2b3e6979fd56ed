import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { AbortError, AtomicInt32, Mutex, Pool, PoolClosedError, QueueFullError, TaskError, TaskTimeoutError, WorkerExitError } from 'weftjs';
import { rejectionOf, sharedFlags, waitUntilChanged, within } from '../helpers.js';
import { itOnWorkers, onNative } from '../backend.js';

const pool = new Pool({ size: 2, cancelGracePeriod: 100 });
afterAll(() => pool.terminate());

describe('Pool.run', () => {
  it('runs a function with arguments and returns its result', async () => {
    expect(await pool.run((a: number, b: number) => a * b, 6, 7)).toBe(42);
    expect(await pool.run((s: string) => s.toUpperCase(), 'abc')).toBe('ABC');
    expect(await pool.run(async (x: number) => x + 1, 1)).toBe(2);
    expect(await pool.run(() => undefined)).toBeUndefined();
  });

  it('round-trips rich arguments and results', async () => {
    const input = { m: new Map([['a', [1, 2]]]), s: new Set([1n]), d: new Date(7), t: new Int16Array([1, -1]), nested: { deep: [null, true] } };
    const out = await pool.run((v: typeof input) => ({ ...v, seen: v.m.get('a')!.length }), input);
    expect(out).toEqual({ ...input, seen: 2 });
  });

  it('completes many concurrent tasks exactly once each', async () => {
    const n = 10_000;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => pool.run((x: number) => x * 2, i)));
    expect(results).toEqual(Array.from({ length: n }, (_, i) => i * 2));
  });

  it('carries large arguments and results (beyond a slot) by message', async () => {
    const big = 'x'.repeat(100_000);
    expect(await pool.run((s: string) => s.length, big)).toBe(100_000);
    expect((await pool.run((n: number) => 'y'.repeat(n), 50_000)).length).toBe(50_000);
  });

  it('passes shareable primitives as arguments: the same lock and cell in the worker', async () => {
    const hits = new AtomicInt32(0);
    const lock = new Mutex(new Int32Array(new SharedArrayBuffer(4)));
    await Promise.all(
      Array.from({ length: 8 }, () =>
        pool.run((cell: AtomicInt32, m: Mutex<Int32Array>) => {
          cell.add(1);
          const guard = m.lockSync();
          guard.value[0] = guard.value[0]! + 1;
          guard.unlock();
        }, hits, lock),
      ),
    );
    expect(hits.load()).toBe(8);
    const guard = await lock.lock();
    expect(guard.value[0]).toBe(8);
    guard.unlock();
  });

  it('shares typed arrays on SharedArrayBuffer', async () => {
    const shared = new Int32Array(new SharedArrayBuffer(16));
    await pool.run((a: Int32Array) => { Atomics.store(a, 2, 99); }, shared);
    expect(shared[2]).toBe(99);
  });

  it('keeps error class name, message, code, cause, custom props and stack', async () => {
    const err = await rejectionOf<TaskError>(
      pool.run(() => {
        const e = new RangeError('bad range', { cause: new Error('root') }) as RangeError & { code: string; detail: object };
        e.code = 'E_RANGE';
        e.detail = { limit: 3 };
        throw e;
      }),
    );
    expect(err).toBeInstanceOf(TaskError);
    const cause = err.cause as RangeError & { code: string; detail: object };
    expect(cause).toBeInstanceOf(RangeError);
    expect(cause.message).toBe('bad range');
    expect(cause.code).toBe('E_RANGE');
    expect(cause.detail).toEqual({ limit: 3 });
    expect((cause.cause as Error).message).toBe('root');
    expect(cause.stack).toContain('bad range');
  });

  it('refuses bad input at the call and stays usable', async () => {
    const k = 2;
    if (onNative) {
      // Shared heap: closures run as they are, and any argument passes by identity.
      expect(await pool.run((x: number) => x * k, 1)).toBe(2);
      const f = (): number => 1;
      const s = Symbol('s');
      expect(await pool.run((g: unknown) => g, f as unknown)).toBe(f);
      expect(await pool.run((t: unknown) => t, s as unknown)).toBe(s);
    } else {
      expect(() => pool.run((x: number) => x * k, 1)).toThrow(/outer variable k/);
      expect(() => pool.run((f: unknown) => f, (() => 1) as unknown)).toThrow(/cannot be sent/);
      expect(() => pool.run((s: unknown) => s, Symbol('s') as unknown)).toThrow(TypeError);
    }
    expect(() => pool.run('nope' as never)).toThrow(TypeError);
    expect(() => new Pool({ size: 0 })).toThrow(RangeError);
    expect(() => new Pool({ size: Number.NaN })).toThrow(RangeError);
    expect(() => new Pool({ size: '2' as never })).toThrow(TypeError);
    expect(() => new Pool({ maxQueue: -1 })).toThrow(RangeError);
    expect(() => pool.runWith({ timeout: -5 }, () => 1)).toThrow(RangeError);
    expect(() => pool.runWith({ signal: 'x' as never }, () => 1)).toThrow(TypeError);
    expect(await pool.run((x: number) => x + 1, 1)).toBe(2);
  });
});

describe('Pool: crashes', () => {
  itOnWorkers('fails only the crashed task, with its exit code, across hundreds of crashes', 'crashes are process.exit in a worker; on native that would end the whole process', async () => {
    const crashes = 200;
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < crashes; i++) {
      jobs.push(pool.run((code: number) => (globalThis as unknown as { process: { exit(c: number): never } }).process.exit(code), 3));
      jobs.push(pool.run((x: number) => x + 1, i));
    }
    const settled = await within(Promise.allSettled(jobs), 120_000, 'the crash storm');
    let exits = 0;
    for (let i = 0; i < settled.length; i++) {
      const outcome = settled[i]!;
      if (i % 2 === 0) {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as PromiseRejectedResult).reason as WorkerExitError;
        expect(reason).toBeInstanceOf(WorkerExitError);
        expect(reason.exitCode).toBe(3);
        exits++;
      } else {
        // A normal task is never lost: it completes, or it was running on a worker that another task killed.
        if (outcome.status === 'fulfilled') expect(outcome.value).toBe((i - 1) / 2 + 1);
        else expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(WorkerExitError);
      }
    }
    expect(exits).toBe(crashes);
    expect(await pool.run((x: number) => x * 3, 5)).toBe(15);
    expect(pool.stats.workers).toBe(2);
  }, 150_000);
});

describe('Pool: resource limits and process lifetime', () => {
  itOnWorkers('fails a task that runs its worker out of memory with WorkerExitError, then recovers', 'threads share one heap: running it out of memory ends the whole process', async () => {
    const small = new Pool({ size: 1, resourceLimits: { maxOldGenerationSizeMb: 24 } });
    const err = await within(
      rejectionOf<WorkerExitError>(
        small.run(() => {
          const hog: number[][] = [];
          for (;;) hog.push(new Array<number>(100_000).fill(hog.length));
        }),
      ),
      60_000,
      'the out-of-memory task',
    );
    expect(err).toBeInstanceOf(WorkerExitError);
    expect(await small.run((x: number) => x + 1, 1)).toBe(2);
    await small.terminate();
    expect(() => new Pool({ resourceLimits: { maxOldGenerationSizeMb: -1 } })).toThrow(RangeError);
  });

  it('an idle pool (and the default pool) never keep the process alive', () => {
    const script = [
      "import { Pool, parallelMap } from 'weftjs';",
      // The native project's child needs the Thread API too (WEFT_BACKEND=native is inherited).
      ...(onNative ? ["import { createRequire } from 'node:module';", "createRequire(import.meta.url)('@weft/thread-shim');"] : []),
      'const pool = new Pool({ size: 2 });',
      'console.log(await pool.run((x) => x + 1, 1));',
      "console.log((await parallelMap([1, 2, 3], (x) => x * 2, { inline: 'never' })).join(','));",
      '// No close(): the process must still exit on its own.',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), timeout: 20_000, encoding: 'utf8' });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('2\n2,4,6\n');
    expect(child.status).toBe(0);
  });
});

describe('Pool: cancellation and timeouts', () => {
  it('aborts a cooperative task through its signal', async () => {
    const flags = sharedFlags();
    const ac = new AbortController();
    const task = pool.runWith(
      { signal: ac.signal },
      (f: Int32Array, signal: AbortSignal) => {
        Atomics.store(f, 0, 1);
        Atomics.notify(f, 0);
        while (!signal.aborted) {
          /* cooperative loop */
        }
        Atomics.store(f, 1, 1);
        Atomics.notify(f, 1);
        return 'stopped';
      },
      flags,
    );
    await waitUntilChanged(flags, 0, 0);
    ac.abort();
    expect(await rejectionOf(task)).toBeInstanceOf(AbortError);
    await waitUntilChanged(flags, 1, 0); // the task saw the abort and returned
  });

  itOnWorkers('terminates a task that ignores cancellation and replaces its worker', 'a native thread cannot be stopped: the task keeps its thread until it returns', async () => {
    const flags = sharedFlags();
    const ac = new AbortController();
    const task = pool.runWith(
      { signal: ac.signal },
      (f: Int32Array) => {
        Atomics.store(f, 0, 1);
        Atomics.notify(f, 0);
        for (;;) {
          /* ignores its signal */
        }
      },
      flags,
    );
    await waitUntilChanged(flags, 0, 0);
    ac.abort();
    expect(await rejectionOf(task)).toBeInstanceOf(AbortError);
    // Both workers must be free again: two tasks that need each other's presence at once.
    const both = sharedFlags();
    const meet = (f: Int32Array) => {
      Atomics.add(f, 0, 1);
      Atomics.notify(f, 0);
      const deadline = Date.now() + 10_000;
      while (Atomics.load(f, 0) < 2) if (Date.now() > deadline) throw new Error('the other worker never came');
      return true;
    };
    expect(await within(Promise.all([pool.run(meet, both), pool.run(meet, both)]), 20_000, 'two tasks on two workers')).toEqual([true, true]);
  });

  it('times out counting from the start, not from submission', async () => {
    const err = await rejectionOf<TaskTimeoutError>(
      pool.runWith({ timeout: 50 }, (signal: AbortSignal) => {
        while (!signal.aborted) {
          /* spin until told */
        }
        return 'late';
      }),
    );
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect(err.code).toBe('WEFT_TASK_TIMEOUT');
    expect(await pool.runWith({ timeout: 10_000 }, (x: number) => x + 1, 1)).toBe(2);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await rejectionOf(pool.runWith({ signal: ac.signal }, () => 1))).toBeInstanceOf(AbortError);
  });
});

describe('Pool: backpressure, stats, lifecycle', () => {
  it('rejects beyond maxQueue with QueueFullError, and drained() waits for the queue', async () => {
    const small = new Pool({ size: 1, maxQueue: 2 });
    const gate = new AtomicInt32(0);
    const hold = (g: AtomicInt32) => {
      g.waitSync(0, { timeout: 10_000 });
      return 1;
    };
    const running = small.run(hold, gate);
    // Wait until the first task is running, so the next two are the queue.
    const deadline = Date.now() + 10_000;
    while (small.stats.running === 0) {
      if (Date.now() > deadline) throw new Error('the first task did not start within 10 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    const q1 = small.run((x: number) => x, 1);
    const q2 = small.run((x: number) => x, 2);
    const err = await rejectionOf<QueueFullError>(small.run((x: number) => x, 3));
    expect(err).toBeInstanceOf(QueueFullError);
    expect(err.maxQueue).toBe(2);
    const drained = small.drained();
    gate.store(1);
    gate.notify();
    await within(drained, 10_000, 'drained()');
    expect(await Promise.all([running, q1, q2])).toEqual([1, 1, 2]);
    await small.close();
  });

  it('counts completed, failed and timings', async () => {
    const p = new Pool({ size: 2 });
    await Promise.all([p.run(() => 1), p.run(() => 2)]);
    await p.run(() => { throw new Error('x'); }).catch(() => undefined);
    const stats = p.stats;
    expect(stats.completed).toBe(2);
    expect(stats.failed).toBe(1);
    expect(stats.workers).toBe(2);
    expect(stats.runTime?.count).toBe(3);
    expect(stats.waitTime?.p50).toBeGreaterThanOrEqual(0);
    await p.close();
    const untimed = new Pool({ size: 1, recordTiming: false });
    await untimed.run(() => 1);
    expect(untimed.stats.runTime).toBeUndefined();
    await untimed.terminate();
  });

  it('close() finishes queued work, then refuses new work', async () => {
    const p = new Pool({ size: 1 });
    const pending = [p.run((x: number) => x, 1), p.run((x: number) => x, 2)];
    await p.close();
    expect(await Promise.all(pending)).toEqual([1, 2]);
    expect(await rejectionOf(p.run(() => 1))).toBeInstanceOf(PoolClosedError);
  });

  it('terminate() rejects pending work and resolves even with a stuck worker', async () => {
    const p = new Pool({ size: 1 });
    const stuck = p.run(() => {
      for (;;) {
        /* never returns */
      }
    });
    const queued = p.run(() => 1);
    await within(p.terminate(), 10_000, 'terminate()');
    expect(await rejectionOf(stuck)).toBeInstanceOf(PoolClosedError);
    expect(await rejectionOf(queued)).toBeInstanceOf(PoolClosedError);
  });

  it('supports await using', async () => {
    let result = 0;
    {
      await using p = new Pool({ size: 1 });
      result = await p.run((x: number) => x * 10, 4);
    }
    expect(result).toBe(40);
  });
});
