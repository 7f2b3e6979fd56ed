// Semaphore and Barrier across workers (sync forms) and the calling thread (async forms).
import { AtomicInt32, Barrier, Semaphore, SemaphorePermit, TimeoutError, parallelMap } from 'weftjs';
import { describe, expect, it, mayBlock, rejectionOf, within } from '../harness.mjs';

describe('Semaphore', () => {
  it('never over-admits: workers and calling-thread tasks, checked with an atomic high-water mark', async () => {
    const s = new Semaphore(2);
    const active = new AtomicInt32(0);
    const highWater = new AtomicInt32(0);
    const bump = () => {
      const now = active.add(1) + 1;
      for (let seen = highWater.load(); now > seen; seen = highWater.load()) {
        if (highWater.compareExchange(seen, now) === seen) break;
      }
    };
    const workers = parallelMap([0, 1], (_x, _i, ctx) => {
      for (let k = 0; k < 3000; k++) {
        const p = ctx.s.acquireSync(1, { timeout: 5000 });
        const now = ctx.active.add(1) + 1;
        for (let seen = ctx.highWater.load(); now > seen; seen = ctx.highWater.load()) {
          if (ctx.highWater.compareExchange(seen, now) === seen) break;
        }
        ctx.active.sub(1);
        p.release();
      }
    }, { context: { s, active, highWater }, inline: 'never', chunkSize: 1 });
    const tasks = Array.from({ length: 8 }, async () => {
      for (let k = 0; k < 200; k++) {
        const p = await s.acquire();
        bump();
        await Promise.resolve();
        active.sub(1);
        p.release();
      }
    });
    await within(Promise.all([workers, ...tasks]), 25_000, 'the semaphore users');
    expect(highWater.load()).toBeLessThanOrEqual(2);
    expect(highWater.load()).toBeGreaterThanOrEqual(1);
    expect(active.load()).toBe(0);
    expect(s.available).toBe(2);
  });

  it('serves a large request before later small ones (FIFO: no starvation)', async () => {
    const s = new Semaphore(1);
    const first = await s.acquire();
    const order = [];
    const big = s.acquire(2).then((p) => {
      order.push('big');
      p.release();
    });
    const small = s.acquire(1).then((p) => {
      order.push('small');
      p.release();
    });
    expect(s.tryAcquire()).toBeNull(); // queued waiters come first
    first.release();
    s.release(); // now 2 free: the big request goes first
    await within(Promise.all([big, small]), 5000, 'the waiters');
    expect(order).toEqual(['big', 'small']);
    expect(s.available).toBe(2);
  });

  it('permits release once (dispose after release is a no-op), and time out', async () => {
    const s = new Semaphore(1);
    // On a browser page the calling thread may not block: there, the async form, and acquireSync refuses saying so.
    const p = mayBlock ? s.acquireSync() : await s.acquire();
    expect(p).toBeInstanceOf(SemaphorePermit);
    expect(p.count).toBe(1);
    const err = await rejectionOf(s.acquire(1, { timeout: 20 }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(() => s.acquireSync(1, { timeout: 5 })).toThrow(mayBlock ? TimeoutError : /this thread may not block/);
    p.release();
    expect(() => p.release()).toThrow(/already released/);
    expect(() => p[Symbol.dispose]()).not.toThrow();
    expect(s.available).toBe(1);
  });

  it('refuses bad input with errors naming what was received', async () => {
    expect(() => new Semaphore(-1)).toThrow(/permits must be an integer >= 0|between 0 and/);
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(/received 1.5/);
    expect(() => new Semaphore('3')).toThrow(TypeError);
    const s = new Semaphore(1);
    expect(await rejectionOf(s.acquire(0))).toBeInstanceOf(RangeError);
    expect(await rejectionOf(s.acquire(-2))).toBeInstanceOf(RangeError);
    expect(await rejectionOf(s.acquire(1, { timeout: -1 }))).toBeInstanceOf(RangeError);
    expect(() => s.release(0)).toThrow(RangeError);
    expect(() => s.release(2 ** 31)).toThrow(RangeError);
    expect(() => new Semaphore(2 ** 31 - 1).release(1)).toThrow(/exceed/);
    expect(s.available).toBe(1);
  });
});

describe('Barrier', () => {
  it('is reusable across generations: 2 workers x 2000 rounds, nobody runs ahead, one leader per round', async () => {
    const b = new Barrier(2);
    const rounds = 2000;
    const arrivals = new Int32Array(new SharedArrayBuffer(rounds * 4));
    const leaders = await within(parallelMap([0, 1], (_x, _i, ctx) => {
      let led = 0;
      for (let r = 0; r < ctx.rounds; r++) {
        Atomics.add(ctx.arrivals, r, 1);
        if (ctx.b.waitSync()) led++;
        // After the barrier, both parties have arrived at round r.
        if (Atomics.load(ctx.arrivals, r) !== 2) throw new Error(`round ${r}: passed the barrier alone`);
      }
      return led;
    }, { context: { b, rounds, arrivals }, inline: 'never', chunkSize: 1 }), 25_000, 'the barrier rounds');
    expect(leaders[0] + leaders[1]).toBe(rounds);
  });

  it('works for async parties on the calling thread, generation after generation', async () => {
    const b = new Barrier(3);
    for (let gen = 0; gen < 5; gen++) {
      const results = await within(Promise.all([b.wait(), b.wait(), b.wait()]), 5000, `generation ${gen}`);
      expect(results.filter(Boolean)).toHaveLength(1);
    }
    if (mayBlock) expect(new Barrier(1).waitSync()).toBe(true);
    else expect(() => new Barrier(1).waitSync()).toThrow(/this thread may not block/);
  });

  it('refuses Barrier(0), negatives, non-integers and non-numbers', () => {
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(0)).toThrow(/received 0/);
    expect(() => new Barrier(-3)).toThrow(RangeError);
    expect(() => new Barrier(2.5)).toThrow(RangeError);
    expect(() => new Barrier(70_000)).toThrow(RangeError);
    expect(() => new Barrier('2')).toThrow(TypeError);
    expect(new Barrier(4).parties).toBe(4);
  });
});
