// Mutex across workers and the calling thread (which only uses the async forms: lock, not lockSync),
// guards, owners, FIFO, timeouts, poisoning when a holder dies.
// Poisoning by a worker of the user's own (node:worker_threads) is in weft/test/conformance/node-only/.
import { AtomicInt32, LockOwnershipError, Mutex, MutexGuard, PoisonError, TimeoutError, WorkerExitError, parallelMap } from 'weftjs';
import { blocksTheCaller, describe, expect, it, mayBlock, notInBrowser, rejectionOf, sharedFlags, waitUntilChanged, within, workersOnly } from '../harness.mjs';

const counter = () => new Int32Array(new SharedArrayBuffer(8));

describe('Mutex: mutual exclusion across workers', () => {
  it('N workers x M increments under the Mutex come out exact (non-atomic read-modify-write inside)', async () => {
    const m = new Mutex(counter());
    const perItem = 20_000;
    await within(parallelMap([0, 1, 2, 3, 4, 5, 6, 7], (_x, _i, ctx) => {
      for (let k = 0; k < ctx.perItem; k++) {
        const g = ctx.m.lockSync();
        // A deliberately racy read-modify-write: only exclusion makes it exact.
        const v = g.value[0];
        g.value[1] = v;
        g.value[0] = g.value[1] + 1;
        g.unlock();
      }
    }, { context: { m, perItem }, inline: 'never', chunkSize: 1 }), 25_000, 'the workers');
    const g = await m.lock();
    expect(g.value[0]).toBe(8 * perItem);
    g.unlock();
  });

  it('the calling thread (async lock) and workers (lockSync) exclude each other', async () => {
    const m = new Mutex(counter());
    const work = parallelMap([0, 1], (_x, _i, ctx) => {
      for (let k = 0; k < 5000; k++) {
        const g = ctx.m.lockSync();
        g.value[0] = g.value[0] + 1;
        g.unlock();
      }
    }, { context: { m }, inline: 'never', chunkSize: 1 });
    for (let k = 0; k < 2000; k++) {
      const g = await m.lock();
      g.value[0] = g.value[0] + 1;
      g.unlock();
    }
    await within(work, 20_000, 'the workers');
    const g = await m.lock();
    expect(g.value[0]).toBe(12_000);
    g.unlock();
  });

  it('arrives in a task as a Mutex over the same memory', async () => {
    const m = new Mutex(counter());
    const held = await m.lock();
    const [seen] = await parallelMap([0], (_x, _i, ctx) => ({
      isMutex: ctx.m.constructor.name,
      free: ctx.m.tryLock() === null ? 'held' : 'free',
      locked: ctx.m.isLocked,
    }), { context: { m }, inline: 'never' });
    expect(seen).toEqual({ isMutex: 'Mutex', free: 'held', locked: true });
    held.unlock();
  });
});

describe('Mutex: guards, owners, FIFO, timeouts', () => {
  it('serves async waiters on the calling thread in FIFO order', async () => {
    const m = new Mutex();
    const held = await m.lock();
    const order = [];
    const waiters = Array.from({ length: 20 }, (_, i) =>
      m.lock().then((g) => {
        order.push(i);
        g.unlock();
      }),
    );
    held.unlock();
    await within(Promise.all(waiters), 5000, 'the waiters');
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('releases through Symbol.dispose, and dispose after unlock is a no-op', async () => {
    const m = new Mutex();
    const g = await m.lock();
    expect(m.isLocked).toBe(true);
    g[Symbol.dispose]();
    expect(m.isLocked).toBe(false);
    expect(g.held).toBe(false);
    expect(() => g[Symbol.dispose]()).not.toThrow();
  });

  it('throws on a second unlock, and hides the value once unlocked', async () => {
    const m = new Mutex(counter());
    const g = await m.lock();
    expect(g.value).toBeInstanceOf(Int32Array);
    g.unlock();
    let err;
    try {
      g.unlock();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LockOwnershipError);
    expect(err.code).toBe('WEFT_LOCK_OWNERSHIP');
    expect(() => g.value).toThrow(LockOwnershipError);
    expect(m.isLocked).toBe(false);
  });

  it('a second lockSync() by the holder throws instead of deadlocking', async () => {
    const m = new Mutex();
    const g = m.lockSync();
    expect(() => m.lockSync()).toThrow(LockOwnershipError);
    expect(() => m.lockSync({ timeout: 10 })).toThrow(/already holds the lock/);
    g.unlock();
    m.lockSync().unlock();
  }, { skip: blocksTheCaller('lockSync') });

  it('tryLock returns null while held and a guard when free', async () => {
    const m = new Mutex();
    const g = m.tryLock();
    expect(g).toBeInstanceOf(MutexGuard);
    expect(m.tryLock()).toBeNull();
    g?.unlock();
    m.tryLock()?.unlock();
  });

  it('times out: lock({ timeout }) rejects with TimeoutError, lockSync throws it, and the lock still works', async () => {
    const m = new Mutex();
    const flags = sharedFlags();
    const release = new AtomicInt32(0);
    // A worker holds the lock until told to let go.
    const holder = parallelMap([0], (_x, _i, ctx) => {
      const g = ctx.m.lockSync();
      Atomics.store(ctx.flags, 0, 1);
      Atomics.notify(ctx.flags, 0);
      ctx.release.waitSync(0, { timeout: 10_000 });
      g.unlock();
    }, { context: { m, flags, release }, inline: 'never' });
    await waitUntilChanged(flags, 0, 0);
    const started = performance.now();
    const err = await rejectionOf(m.lock({ timeout: 30 }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.code).toBe('WEFT_TIMEOUT');
    expect(err.timeout).toBe(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    // On a browser page the calling thread may not block: lockSync refuses at once, saying so.
    expect(() => m.lockSync({ timeout: 5 })).toThrow(mayBlock ? TimeoutError : /this thread may not block/);
    // A timed-out waiter left the queue: the next locker gets the lock once it is free.
    const next = m.lock({ timeout: 10_000 });
    release.store(1);
    release.notify();
    (await within(next, 10_000, 'lock after release')).unlock();
    await holder;
  });

  it('refuses bad options with errors naming what was received, leaving the lock usable', async () => {
    const m = new Mutex();
    expect((await rejectionOf(m.lock({ timeout: -1 }))).message).toMatch(/timeout must be a non-negative number of milliseconds, received -1/);
    expect(await rejectionOf(m.lock({ timeout: NaN }))).toBeInstanceOf(RangeError);
    expect(await rejectionOf(m.lock({ timeout: '1' }))).toBeInstanceOf(TypeError);
    expect(await rejectionOf(m.lock(42))).toBeInstanceOf(TypeError);
    expect(() => m.lockSync({ timeout: -5 })).toThrow(RangeError);
    expect(() => m.lockSync({ ignorePoison: 'yes' })).toThrow(/ignorePoison must be a boolean, received a string/);
    expect(() => m.tryLock(7)).toThrow(TypeError);
    expect(m.isLocked).toBe(false);
    (await m.lock()).unlock();
  });
});

describe('Mutex: poisoning when a holder dies', () => {
  it('a pool worker that exits holding the lock poisons it: the waiter and later lockers get PoisonError', async () => {
    const m = new Mutex(counter());
    const flags = sharedFlags();
    const dying = parallelMap([0], (_x, _i, ctx) => {
      ctx.m.lockSync();
      // Report this worker's thread id, then die holding the lock when told to.
      Atomics.store(ctx.flags, 2, globalThis[Symbol.for('weft.threadId')]);
      Atomics.store(ctx.flags, 0, 1);
      Atomics.notify(ctx.flags, 0);
      Atomics.wait(ctx.flags, 1, 0, 10_000);
      globalThis.process.exit(3);
    }, { context: { m, flags }, inline: 'never' });
    await waitUntilChanged(flags, 0, 0);
    const waiting = rejectionOf(m.lock());
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    expect(await rejectionOf(dying)).toBeInstanceOf(WorkerExitError);
    // The pool marked the worker's thread dead when it exited: nobody calls markThreadDead here.
    const deadId = Atomics.load(flags, 2);
    const err = await within(waiting, 5000, 'the waiter');
    expect(err).toBeInstanceOf(PoisonError);
    expect(err.code).toBe('WEFT_POISONED');
    expect(err.threadId).toBe(deadId);
    expect(m.isPoisoned).toBe(true);
    // Later lockers: PoisonError, the lock is not left held.
    expect(await rejectionOf(m.lock())).toBeInstanceOf(PoisonError);
    expect(() => m.lockSync()).toThrow(PoisonError);
    expect(() => m.tryLock()).toThrow(PoisonError);
    expect(m.isLocked).toBe(false);
    // Recovery: lock despite the poison, repair, clear.
    const g = await m.lock({ ignorePoison: true });
    m.clearPoison();
    g.unlock();
    expect(m.isPoisoned).toBe(false);
    (await m.lock()).unlock();
  }, { skip: [notInBrowser('process.exit'), workersOnly('a native thread cannot exit alone (process.exit ends the process)')] });
});
