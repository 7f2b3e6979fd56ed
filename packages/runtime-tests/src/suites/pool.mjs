// Pool: run and map, arguments and results, errors, crashes, cancellation,
// timeouts, backpressure, stats and lifecycle.
import { AbortError, AtomicInt32, Mutex, Pool, PoolClosedError, QueueFullError, TaskError, TaskTimeoutError, WorkerExitError } from 'weftjs';
import { describe, expect, it, nodeOnly, notInBrowser, onNative, rejectionOf, sharedFlags, waitUntilChanged, within, workersOnly } from '../harness.mjs';

let shared;
const pool = () => (shared ??= new Pool({ size: 2, cancelGracePeriod: 100 }));
const cannotKillAThread = 'a native thread cannot be stopped or exit alone: process.exit or an uncaught error ends the whole process';

describe('Pool.run and Pool.map', () => {
  it('runs a function with arguments and returns its result', async () => {
    expect(await pool().run((a, b) => a * b, 6, 7)).toBe(42);
    expect(await pool().run((s) => s.toUpperCase(), 'abc')).toBe('ABC');
    expect(await pool().run(async (x) => x + 1, 1)).toBe(2);
    expect(await pool().run(() => undefined)).toBeUndefined();
  });

  it('round-trips rich arguments and results', async () => {
    const input = { m: new Map([['a', [1, 2]]]), s: new Set([1n]), d: new Date(7), t: new Int16Array([1, -1]), nested: { deep: [null, true] } };
    const out = await pool().run((v) => ({ ...v, seen: v.m.get('a').length }), input);
    expect(out).toEqual({ ...input, seen: 2 });
  });

  it('completes many concurrent tasks exactly once each', async () => {
    const n = 10_000;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => pool().run((x) => x * 2, i)));
    expect(results).toEqual(Array.from({ length: n }, (_, i) => i * 2));
  });

  it('carries large arguments and results (beyond a slot) by message', async () => {
    expect(await pool().run((s) => s.length, 'x'.repeat(100_000))).toBe(100_000);
    expect((await pool().run((n) => 'y'.repeat(n), 50_000)).length).toBe(50_000);
  });

  it('passes shareable primitives as arguments: the same lock and cell in the worker', async () => {
    const hits = new AtomicInt32(0);
    const lock = new Mutex(new Int32Array(new SharedArrayBuffer(4)));
    await Promise.all(
      Array.from({ length: 8 }, () =>
        pool().run((cell, m) => {
          cell.add(1);
          const guard = m.lockSync();
          guard.value[0] = guard.value[0] + 1;
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
    const flags = new Int32Array(new SharedArrayBuffer(16));
    await pool().run((a) => {
      Atomics.store(a, 2, 99);
    }, flags);
    expect(flags[2]).toBe(99);
  });

  it('map runs a function over items on the pool, in order, with context', async () => {
    const items = Array.from({ length: 500 }, (_, i) => i);
    expect(await pool().map(items, (x, i, ctx) => x * ctx.k + i, { context: { k: 3 } })).toEqual(items.map((x, i) => x * 3 + i));
  });

  it('keeps error class name, message, code, cause, custom props and stack', async () => {
    const err = await rejectionOf(pool().run(() => {
      const e = new RangeError('bad range', { cause: new Error('root') });
      e.code = 'E_RANGE';
      e.detail = { limit: 3 };
      throw e;
    }));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.cause).toBeInstanceOf(RangeError);
    expect(err.cause.message).toBe('bad range');
    expect(err.cause.code).toBe('E_RANGE');
    expect(err.cause.detail).toEqual({ limit: 3 });
    expect(err.cause.cause.message).toBe('root');
    expect(err.cause.stack).toContain('bad range');
  });

  it('refuses bad input at the call and stays usable', async () => {
    let k = 2; // `let`: Bun's transpiler inlines const primitives
    if (onNative) {
      // Shared heap: closures run as they are, and any argument passes by identity.
      expect(await pool().run((x) => x * k, 1)).toBe(2);
      const f = () => 1;
      const s = Symbol('s');
      expect(await pool().run((g) => g, f)).toBe(f);
      expect(await pool().run((t) => t, s)).toBe(s);
    } else {
      expect(() => pool().run((x) => x * k, 1)).toThrow(/outer variable k/);
      expect(() => pool().run((f) => f, () => 1)).toThrow(/cannot be sent/);
      expect(() => pool().run((s) => s, Symbol('s'))).toThrow(TypeError);
    }
    expect(() => pool().run('nope')).toThrow(TypeError);
    expect(() => new Pool({ size: 0 })).toThrow(RangeError);
    expect(() => new Pool({ size: Number.NaN })).toThrow(RangeError);
    expect(() => new Pool({ size: '2' })).toThrow(TypeError);
    expect(() => new Pool({ maxQueue: -1 })).toThrow(RangeError);
    expect(() => pool().runWith({ timeout: -5 }, () => 1)).toThrow(RangeError);
    expect(() => pool().runWith({ signal: 'x' }, () => 1)).toThrow(TypeError);
    expect(await pool().run((x) => x + 1, 1)).toBe(2);
  });
});

describe('Pool: crashes and resource limits', () => {
  it('fails only the task whose worker died of an uncaught error, and replaces the worker', async () => {
    const jobs = [];
    for (let i = 0; i < 5; i++) {
      jobs.push(pool().run(() => {
        setTimeout(() => {
          throw new Error('uncaught in worker');
        });
        return new Promise(() => {});
      }));
      jobs.push(pool().run((x) => x + 1, i));
    }
    const settled = await within(Promise.allSettled(jobs), 30_000, 'the crashing tasks');
    for (let i = 0; i < settled.length; i++) {
      const outcome = settled[i];
      if (i % 2 === 0) {
        expect(outcome.status).toBe('rejected');
        expect(outcome.reason).toBeInstanceOf(WorkerExitError);
      } else if (outcome.status === 'fulfilled') expect(outcome.value).toBe((i - 1) / 2 + 1);
      else expect(outcome.reason).toBeInstanceOf(WorkerExitError);
    }
    expect(await pool().run((x) => x * 3, 5)).toBe(15);
    expect(pool().stats.workers).toBe(2);
  }, { skip: workersOnly(cannotKillAThread) });

  it('fails only the crashed task, with its exit code, across hundreds of crashes', async () => {
    const crashes = 200;
    const jobs = [];
    for (let i = 0; i < crashes; i++) {
      jobs.push(pool().run((code) => globalThis.process.exit(code), 3));
      jobs.push(pool().run((x) => x + 1, i));
    }
    const replacedBefore = pool().stats.replaced;
    const settled = await within(Promise.allSettled(jobs), 120_000, 'the crash storm');
    let exits = 0;
    for (let i = 0; i < settled.length; i++) {
      const outcome = settled[i];
      if (i % 2 === 0) {
        expect(outcome.status).toBe('rejected');
        expect(outcome.reason).toBeInstanceOf(WorkerExitError);
        expect(outcome.reason.exitCode).toBe(3);
        exits++;
      } else if (outcome.status === 'fulfilled') expect(outcome.value).toBe((i - 1) / 2 + 1);
      // A normal task is never lost: it completes, or it was running on a worker that another task killed.
      else expect(outcome.reason).toBeInstanceOf(WorkerExitError);
    }
    expect(exits).toBe(crashes);
    expect(pool().stats.replaced - replacedBefore).toBe(crashes); // each crash lost one worker
    expect(await pool().run((x) => x * 3, 5)).toBe(15);
    expect(pool().stats.workers).toBe(2);
  }, { skip: [notInBrowser('process.exit'), workersOnly(cannotKillAThread)], timeout: 150_000 });

  it('fails a task that runs its worker out of memory with WorkerExitError, then recovers', async () => {
    const small = new Pool({ size: 1, resourceLimits: { maxOldGenerationSizeMb: 24 } });
    try {
      const err = await within(rejectionOf(small.run(() => {
        const hog = [];
        for (;;) hog.push(new Array(100_000).fill(hog.length));
      })), 60_000, 'the out-of-memory task');
      expect(err).toBeInstanceOf(WorkerExitError);
      expect(await small.run((x) => x + 1, 1)).toBe(2);
    } finally {
      await small.terminate();
    }
    expect(() => new Pool({ resourceLimits: { maxOldGenerationSizeMb: -1 } })).toThrow(RangeError);
  }, { skip: [nodeOnly('resourceLimits'), workersOnly('threads share one heap: running it out of memory ends the whole process')], timeout: 90_000 });
});

describe('Pool: cancellation and timeouts', () => {
  it('aborts a cooperative task through its signal', async () => {
    const flags = sharedFlags();
    const ac = new AbortController();
    const task = pool().runWith({ signal: ac.signal }, (f, signal) => {
      Atomics.store(f, 0, 1);
      Atomics.notify(f, 0);
      while (!signal.aborted) {
        /* cooperative loop */
      }
      Atomics.store(f, 1, 1);
      Atomics.notify(f, 1);
      return 'stopped';
    }, flags);
    await waitUntilChanged(flags, 0, 0);
    ac.abort();
    expect(await rejectionOf(task)).toBeInstanceOf(AbortError);
    await waitUntilChanged(flags, 1, 0); // the task saw the abort and returned
  });

  it('terminates a task that ignores cancellation and replaces its worker', async () => {
    const flags = sharedFlags();
    const ac = new AbortController();
    const task = pool().runWith({ signal: ac.signal }, (f) => {
      Atomics.store(f, 0, 1);
      Atomics.notify(f, 0);
      for (;;) {
        /* ignores its signal */
      }
    }, flags);
    await waitUntilChanged(flags, 0, 0);
    ac.abort();
    expect(await rejectionOf(task)).toBeInstanceOf(AbortError);
    // Both workers must be free again: two tasks that need each other's presence at once.
    const both = sharedFlags();
    const meet = (f) => {
      Atomics.add(f, 0, 1);
      Atomics.notify(f, 0);
      const deadline = Date.now() + 10_000;
      while (Atomics.load(f, 0) < 2) if (Date.now() > deadline) throw new Error('the other worker never came');
      return true;
    };
    expect(await within(Promise.all([pool().run(meet, both), pool().run(meet, both)]), 20_000, 'two tasks on two workers')).toEqual([true, true]);
  }, { skip: workersOnly('a native thread cannot be stopped: the task keeps its thread until it returns') });

  it('times out counting from the start, not from submission', async () => {
    const err = await rejectionOf(pool().runWith({ timeout: 50 }, (signal) => {
      while (!signal.aborted) {
        /* spin until told */
      }
      return 'late';
    }));
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect(err.code).toBe('WEFT_TASK_TIMEOUT');
    expect(await pool().runWith({ timeout: 10_000 }, (x) => x + 1, 1)).toBe(2);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await rejectionOf(pool().runWith({ signal: ac.signal }, () => 1))).toBeInstanceOf(AbortError);
  });
});

describe('Pool: backpressure, stats, lifecycle', () => {
  it('rejects beyond maxQueue with QueueFullError, and drained() waits for the queue', async () => {
    const small = new Pool({ size: 1, maxQueue: 2 });
    const gate = new AtomicInt32(0);
    const hold = (g) => {
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
    const q1 = small.run((x) => x, 1);
    const q2 = small.run((x) => x, 2);
    const err = await rejectionOf(small.run((x) => x, 3));
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
    await p.run(() => {
      throw new Error('x');
    }).catch(() => undefined);
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
    const pending = [p.run((x) => x, 1), p.run((x) => x, 2)];
    await within(p.close(), 10_000, 'close()');
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

  it('supports await using: Symbol.asyncDispose closes the pool', async () => {
    // `await using p = new Pool(...)` calls this at the end of the block (the syntax is not on every runtime yet).
    const p = new Pool({ size: 1 });
    expect(typeof p[Symbol.asyncDispose]).toBe('function');
    expect(await p.run((x) => x * 10, 4)).toBe(40);
    await within(p[Symbol.asyncDispose](), 10_000, 'Symbol.asyncDispose');
    expect(await rejectionOf(p.run(() => 1))).toBeInstanceOf(PoolClosedError);
  });

  it('the shared pool of this suite terminates cleanly', async () => {
    await within(pool().terminate(), 10_000, 'terminate()');
    shared = undefined;
  });
});

describe('Pool.run: arguments a message cannot carry', () => {
  it('rejects with a TypeError when arguments that travel by message cannot be cloned, and the pool stays usable', async () => {
    // Shared memory sends the task by message; the symbol beside it makes postMessage refuse the arguments.
    const err = await rejectionOf(within(pool().run((a) => a.shared.length, { s: Symbol('x'), shared: new Int32Array(new SharedArrayBuffer(8)) }), 10_000, 'the refused task'));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(/cannot be sent to a worker/);
    expect(await pool().run((x) => x + 1, 41)).toBe(42);
  }, { skip: workersOnly('native threads pass arguments by identity: nothing is cloned') });
});
