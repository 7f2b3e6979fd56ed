// RwLock across workers and the calling thread. Poisoning by a writer of the
// user's own (node:worker_threads) is in weft/test/conformance/node-only/.
import { LockOwnershipError, RwLock, TimeoutError, parallelMap } from 'weftjs';
import { blocksTheCaller, describe, expect, it, rejectionOf, turns, within } from '../harness.mjs';

describe('RwLock', () => {
  it('writers exclude everyone; counts under the write lock come out exact while readers see consistent pairs', async () => {
    const l = new RwLock(new Int32Array(new SharedArrayBuffer(8)));
    const bad = await within(parallelMap([0, 1, 2, 3], (i, _j, ctx) => {
      let inconsistent = 0;
      for (let k = 0; k < 5000; k++) {
        if ((k + i) % 4 === 0) {
          const w = ctx.l.writeSync();
          w.value[0] = w.value[0] + 1;
          w.value[1] = w.value[0];
          w.unlock();
        } else {
          const r = ctx.l.readSync();
          if (r.value[0] !== r.value[1]) inconsistent++;
          r.unlock();
        }
      }
      return inconsistent;
    }, { context: { l }, inline: 'never', chunkSize: 1 }), 25_000, 'the readers and writers');
    expect(bad).toEqual([0, 0, 0, 0]);
    const r = await l.read();
    expect(r.value[0]).toBe(5000);
    r.unlock();
  });

  it('readers share; a writer waits for them, and then blocks new readers (no writer starvation)', async () => {
    const l = new RwLock();
    const r1 = await l.read();
    const r2 = l.tryRead();
    expect(r2?.mode).toBe('read');
    expect(l.tryWrite()).toBeNull();
    const order = [];
    const writer = l.write().then((w) => {
      order.push('write');
      w.unlock();
    });
    await turns(1);
    // The writer is queued: a new reader waits behind it instead of cutting in.
    const reader = l.read().then((r) => {
      order.push('read');
      r.unlock();
    });
    r1.unlock();
    r2?.unlock();
    await within(Promise.all([writer, reader]), 5000, 'writer and reader');
    expect(order).toEqual(['write', 'read']);
  });

  it('owner checks, dispose, timeouts and bad options', async () => {
    const l = new RwLock();
    const w = l.writeSync();
    expect(() => l.writeSync()).toThrow(LockOwnershipError);
    expect(await rejectionOf(l.read({ timeout: 10 }))).toBeInstanceOf(TimeoutError);
    expect(() => l.readSync({ timeout: 5 })).toThrow(/already holds the write lock/); // it would deadlock
    w[Symbol.dispose]();
    expect(() => w.unlock()).toThrow(LockOwnershipError);
    expect(await rejectionOf(l.write({ timeout: -1 }))).toBeInstanceOf(RangeError);
    expect(() => l.readSync({ ignorePoison: 1 })).toThrow(TypeError);
    (await l.write()).unlock();
  }, { skip: blocksTheCaller('writeSync and readSync') });
});
