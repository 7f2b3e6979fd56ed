// Condition across workers (waitSync) and the calling thread (async wait).
import { Condition, LockOwnershipError, Mutex, TimeoutError, parallelMap } from 'weftjs';
import { describe, expect, it, mayBlock, rejectionOf, turns, within } from '../harness.mjs';

const words = (n) => new Int32Array(new SharedArrayBuffer(n * 4));

describe('Condition', () => {
  it('10,000-round ping-pong between two workers loses no wake-up', async () => {
    const m = new Mutex(words(2)); // [turn, rounds done]
    const c = new Condition();
    const rounds = 10_000;
    const done = parallelMap([0, 1], (me, _i, ctx) => {
      const g = ctx.m.lockSync();
      for (let r = 0; r < ctx.rounds; r++) {
        // Bounded: a lost wake-up fails loudly (TimeoutError) instead of hanging.
        while (g.value[0] !== me) ctx.c.waitSync(g, { timeout: 5000 });
        g.value[1] = g.value[1] + 1;
        g.value[0] = 1 - me;
        ctx.c.notifyOne();
      }
      g.unlock();
    }, { context: { m, c, rounds }, inline: 'never', chunkSize: 1 });
    await within(done, 25_000, 'the ping-pong');
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
    // Bounded: a lost wake-up fails with TimeoutError instead of hanging.
    while (g.value[1] !== 2 * rounds) await c.wait(g, { timeout: 5000 });
    g.unlock();
    await within(worker, 10_000, 'the worker');
  });

  it('producer/consumer through a bounded buffer: every item arrives once, in order', async () => {
    // [count, head, tail, ...8 slots]; the consumer sums what it takes.
    const m = new Mutex(words(3 + 8));
    const c = new Condition();
    const items = 5000;
    const results = await within(parallelMap(['producer', 'consumer'], (role, _i, ctx) => {
      const g = ctx.m.lockSync();
      const q = g.value;
      let sum = 0;
      let last = -1;
      for (let k = 0; k < ctx.items; k++) {
        if (role === 'producer') {
          while (q[0] === 8) ctx.c.waitSync(g, { timeout: 5000 });
          q[3 + q[2]] = k;
          q[2] = (q[2] + 1) % 8;
          q[0] = q[0] + 1;
        } else {
          while (q[0] === 0) ctx.c.waitSync(g, { timeout: 5000 });
          const v = q[3 + q[1]];
          if (v !== last + 1) throw new Error(`out of order: ${v} after ${last}`);
          last = v;
          sum += v;
          q[1] = (q[1] + 1) % 8;
          q[0] = q[0] - 1;
        }
        ctx.c.notifyAll();
      }
      g.unlock();
      return sum;
    }, { context: { m, c, items }, inline: 'never', chunkSize: 1 }), 25_000, 'producer/consumer');
    expect(results[1]).toBe((items * (items - 1)) / 2);
  });

  it('notifyAll wakes every waiter and reports how many slept', async () => {
    const m = new Mutex(words(2)); // [waiting, go]
    const c = new Condition();
    const waiters = Array.from({ length: 6 }, async () => {
      const g = await m.lock();
      g.value[0] = g.value[0] + 1;
      while (g.value[1] === 0) await c.wait(g, { timeout: 5000 });
      g.unlock();
    });
    // Once all six have counted themselves and released the lock, all six sleep on the condition.
    const deadline = Date.now() + 5000;
    for (;;) {
      const g = await m.lock();
      if (g.value[0] === 6) {
        g.value[1] = 1;
        expect(c.notifyAll()).toBe(6);
        g.unlock();
        break;
      }
      g.unlock();
      if (Date.now() > deadline) throw new Error('the six waiters did not all arrive within 5 s');
      await turns(1);
    }
    await within(Promise.all(waiters), 5000, 'the waiters');
    expect(c.notifyAll()).toBe(0);
  });

  it('notifyOne wakes one waiter', async () => {
    const m = new Mutex();
    const c = new Condition();
    const g = await m.lock();
    const woken = [];
    const a = (async () => {
      const h = await m.lock();
      await c.wait(h, { timeout: 5000 });
      woken.push(1);
      h.unlock();
    })();
    g.unlock();
    // Wait until the waiter has released the lock (so it sleeps), then notify one.
    const deadline = Date.now() + 5000;
    for (;;) {
      const h = await m.lock();
      const n = c.notifyOne();
      h.unlock();
      if (n === 1) break;
      if (Date.now() > deadline) throw new Error('the waiter did not sleep within 5 s');
      await turns(1);
    }
    await within(a, 5000, 'the waiter');
    expect(woken).toEqual([1]);
  });

  it('wait({ timeout }) rejects with TimeoutError with the lock held again', async () => {
    const m = new Mutex();
    const c = new Condition();
    const g = await m.lock();
    const err = await rejectionOf(c.wait(g, { timeout: 20 }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.code).toBe('WEFT_TIMEOUT');
    expect(g.held).toBe(true);
    expect(m.tryLock()).toBeNull();
    // On a browser page the calling thread may not block: waitSync refuses at once, saying so.
    expect(() => c.waitSync(g, { timeout: 5 })).toThrow(mayBlock ? TimeoutError : /this thread may not block/);
    expect(g.held).toBe(true);
    g.unlock();
  });

  it('refuses a guard of another Mutex, a non-guard, an unlocked guard, and bad timeouts', async () => {
    const m1 = new Mutex();
    const m2 = new Mutex();
    const c = new Condition();
    const g1 = await m1.lock();
    expect(await rejectionOf(c.wait(g1, { timeout: 0 }))).toBeInstanceOf(TimeoutError); // binds c to m1
    const g2 = await m2.lock();
    const other = await rejectionOf(c.wait(g2));
    expect(other).toBeInstanceOf(TypeError);
    expect(other.message).toMatch(/another Mutex/);
    expect(g2.held).toBe(true); // nothing was released
    expect(await rejectionOf(c.wait({}))).toBeInstanceOf(TypeError);
    expect((await rejectionOf(c.wait(null))).message).toMatch(/received null/);
    expect(await rejectionOf(c.wait(g1, { timeout: -1 }))).toBeInstanceOf(RangeError);
    expect(g1.held).toBe(true);
    g1.unlock();
    expect(await rejectionOf(c.wait(g1))).toBeInstanceOf(LockOwnershipError);
    g2.unlock();
  });
});
