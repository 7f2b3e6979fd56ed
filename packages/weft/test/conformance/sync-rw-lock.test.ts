import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { LockOwnershipError, PoisonError, RwLock, TimeoutError, markThreadDead, parallelMap } from 'weftjs';
import { rejectionOf, sharedFlags, waitUntilChanged, within } from '../helpers.js';

describe('RwLock', () => {
  it('writers exclude everyone; counts under the write lock come out exact while readers see consistent pairs', async () => {
    const l = new RwLock(new Int32Array(new SharedArrayBuffer(8)));
    const bad = await within(
      parallelMap(
        [0, 1, 2, 3],
        (i, _j, ctx) => {
          let inconsistent = 0;
          for (let k = 0; k < 5000; k++) {
            if ((k + i) % 4 === 0) {
              const w = ctx.l.writeSync();
              w.value[0] = (w.value[0] as number) + 1;
              w.value[1] = w.value[0] as number;
              w.unlock();
            } else {
              const r = ctx.l.readSync();
              if (r.value[0] !== r.value[1]) inconsistent++;
              r.unlock();
            }
          }
          return inconsistent;
        },
        { context: { l }, inline: 'never', chunkSize: 1 },
      ),
      25_000,
      'the readers and writers',
    );
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
    const order: string[] = [];
    const writer = l.write().then((w) => {
      order.push('write');
      w.unlock();
    });
    await new Promise((r) => setImmediate(r));
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
    expect(() => l.readSync({ ignorePoison: 1 as unknown as boolean })).toThrow(TypeError);
    (await l.write()).unlock();
  });

  it('a writer that dies holding it poisons it; recovery with ignorePoison and clearPoison', async () => {
    const l = new RwLock();
    const flags = sharedFlags();
    const registry = (globalThis as unknown as Record<symbol, Map<string, { encode(v: unknown): unknown }>>)[Symbol.for('weft.shareables')];
    const encoded = { __weftShareable: 'weft.RwLock', state: registry?.get('weft.RwLock')?.encode(l) };
    const worker = new Worker(new URL('../fixtures/sync-holder.mjs', import.meta.url), { workerData: { kind: 'rw-lock', encoded, flags } });
    const id = await new Promise<number>((resolve) => worker.once('message', resolve));
    worker.on('exit', () => markThreadDead(id));
    await waitUntilChanged(flags, 0, 0);
    const reader = l.read();
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    const err = await rejectionOf<PoisonError>(within(reader, 5000, 'the reader'));
    expect(err).toBeInstanceOf(PoisonError);
    expect(err.threadId).toBe(id);
    expect(() => l.tryWrite()).toThrow(PoisonError);
    const w = await l.write({ ignorePoison: true });
    l.clearPoison();
    w.unlock();
    (await l.read()).unlock();
  });
});
