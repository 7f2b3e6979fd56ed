// The sync primitives across workers: Mutex, atomic cells, Condition, Semaphore.
// The calling thread only ever uses the async forms (lock, wait, acquire).
import { AtomicBigInt64, AtomicBool, AtomicFloat64, AtomicInt32, Condition, Mutex, Semaphore, TimeoutError, parallelMap } from 'weftjs';
import { describe, expect, it, rejectionOf, sharedFlags, waitUntilChanged, within } from '../harness.mjs';

const words = (n) => new Int32Array(new SharedArrayBuffer(n * 4));

describe('Mutex', () => {
  it('N workers x M increments under the Mutex come out exact', async () => {
    const m = new Mutex(words(2));
    const perItem = 10_000;
    await within(parallelMap([0, 1, 2, 3], (_x, _i, ctx) => {
      for (let k = 0; k < ctx.perItem; k++) {
        const g = ctx.m.lockSync();
        const v = g.value[0];
        g.value[1] = v;
        g.value[0] = g.value[1] + 1;
        g.unlock();
      }
    }, { context: { m, perItem }, inline: 'never', chunkSize: 1 }), 25_000, 'the workers');
    const g = await m.lock();
    expect(g.value[0]).toBe(4 * perItem);
    g.unlock();
  });

  it('the calling thread (async lock) and workers (lockSync) exclude each other', async () => {
    const m = new Mutex(words(1));
    const work = parallelMap([0, 1], (_x, _i, ctx) => {
      for (let k = 0; k < 3000; k++) {
        const g = ctx.m.lockSync();
        g.value[0] = g.value[0] + 1;
        g.unlock();
      }
    }, { context: { m }, inline: 'never', chunkSize: 1 });
    for (let k = 0; k < 1000; k++) {
      const g = await m.lock();
      g.value[0] = g.value[0] + 1;
      g.unlock();
    }
    await within(work, 20_000, 'the workers');
    const g = await m.lock();
    expect(g.value[0]).toBe(7000);
    g.unlock();
  });

  it('lock({ timeout }) rejects with TimeoutError while a worker holds it, then works', async () => {
    const m = new Mutex();
    const flags = sharedFlags();
    const holder = parallelMap([0], (_x, _i, ctx) => {
      const g = ctx.m.lockSync();
      Atomics.store(ctx.flags, 0, 1);
      Atomics.notify(ctx.flags, 0);
      Atomics.wait(ctx.flags, 1, 0, 10_000);
      g.unlock();
    }, { context: { m, flags }, inline: 'never' });
    await waitUntilChanged(flags, 0, 0);
    const err = await rejectionOf(m.lock({ timeout: 30 }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.code).toBe('WEFT_TIMEOUT');
    const next = m.lock({ timeout: 10_000 });
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    (await within(next, 10_000, 'lock after release')).unlock();
    await holder;
  });
});

describe('atomic cells', () => {
  it('N workers x M AtomicInt32.add come out exact; every cell crosses over the same memory', async () => {
    const hits = new AtomicInt32(0);
    const big = new AtomicBigInt64(0n);
    const total = new AtomicFloat64(0);
    const flag = new AtomicBool(false);
    const perItem = 50_000;
    await parallelMap([0, 1, 2, 3], (_x, _i, ctx) => {
      for (let k = 0; k < ctx.perItem; k++) ctx.hits.add(1);
      ctx.big.add(1n << 33n);
      ctx.total.add(0.5);
      ctx.flag.store(true);
    }, { context: { hits, big, total, flag, perItem }, inline: 'never', chunkSize: 1 });
    expect(hits.load()).toBe(4 * perItem);
    expect(big.load()).toBe(4n << 33n);
    expect(total.load()).toBe(2);
    expect(flag.load()).toBe(true);
  });

  it('AtomicInt32 operations return what Atomics returns, and refuse bad values', () => {
    const a = new AtomicInt32(5);
    expect(a.exchange(9)).toBe(5);
    expect(a.compareExchange(9, 2)).toBe(9);
    expect(a.add(3)).toBe(2);
    expect(a.load()).toBe(5);
    expect(() => a.add(1.5)).toThrow(RangeError);
    expect(() => a.store('1')).toThrow(TypeError);
    expect(a.load()).toBe(5);
  });
});

describe('Condition', () => {
  it('ping-pong between two workers loses no wake-up', async () => {
    const m = new Mutex(words(2)); // [turn, rounds done]
    const c = new Condition();
    const rounds = 2_000;
    await within(parallelMap([0, 1], (me, _i, ctx) => {
      const g = ctx.m.lockSync();
      for (let r = 0; r < ctx.rounds; r++) {
        while (g.value[0] !== me) ctx.c.waitSync(g, { timeout: 5000 });
        g.value[1] = g.value[1] + 1;
        g.value[0] = 1 - me;
        ctx.c.notifyOne();
      }
      g.unlock();
    }, { context: { m, c, rounds }, inline: 'never', chunkSize: 1 }), 25_000, 'the ping-pong');
    const g = await m.lock();
    expect(g.value[1]).toBe(2 * rounds);
    g.unlock();
  });

  it('ping-pong between the calling thread (async wait) and a worker (waitSync)', async () => {
    const m = new Mutex(words(2));
    const c = new Condition();
    const rounds = 200;
    const worker = parallelMap([1], (me, _i, ctx) => {
      const g = ctx.m.lockSync();
      for (let r = 0; r < ctx.rounds; r++) {
        while (g.value[0] !== me) ctx.c.waitSync(g, { timeout: 5000 });
        g.value[1] = g.value[1] + 1;
        g.value[0] = 0;
        ctx.c.notifyAll();
      }
      g.unlock();
    }, { context: { m, c, rounds }, inline: 'never' });
    const g = await m.lock();
    for (let r = 0; r < rounds; r++) {
      while (g.value[0] !== 0) await c.wait(g, { timeout: 5000 });
      g.value[1] = g.value[1] + 1;
      g.value[0] = 1;
      c.notifyAll();
    }
    while (g.value[1] !== 2 * rounds) await c.wait(g, { timeout: 5000 });
    g.unlock();
    await within(worker, 10_000, 'the worker');
  });

  it('wait({ timeout }) rejects with TimeoutError with the lock held again', async () => {
    const m = new Mutex();
    const c = new Condition();
    const g = await m.lock();
    expect(await rejectionOf(c.wait(g, { timeout: 20 }))).toBeInstanceOf(TimeoutError);
    expect(g.held).toBe(true);
    g.unlock();
  });
});

describe('Semaphore', () => {
  it('never over-admits workers and calling-thread tasks', async () => {
    const s = new Semaphore(2);
    const active = new AtomicInt32(0);
    const highWater = new AtomicInt32(0);
    const workers = parallelMap([0, 1], (_x, _i, ctx) => {
      for (let k = 0; k < 1000; k++) {
        const p = ctx.s.acquireSync(1, { timeout: 5000 });
        const now = ctx.active.add(1) + 1;
        for (let seen = ctx.highWater.load(); now > seen; seen = ctx.highWater.load()) {
          if (ctx.highWater.compareExchange(seen, now) === seen) break;
        }
        ctx.active.sub(1);
        p.release();
      }
    }, { context: { s, active, highWater }, inline: 'never', chunkSize: 1 });
    const tasks = Array.from({ length: 4 }, async () => {
      for (let k = 0; k < 100; k++) {
        const p = await s.acquire();
        const now = active.add(1) + 1;
        if (now > highWater.load()) highWater.store(Math.max(now, highWater.load()));
        await Promise.resolve();
        active.sub(1);
        p.release();
      }
    });
    await within(Promise.all([workers, ...tasks]), 25_000, 'the semaphore users');
    expect(highWater.load()).toBeLessThan(3);
    expect(active.load()).toBe(0);
    expect(s.available).toBe(2);
  });
});
