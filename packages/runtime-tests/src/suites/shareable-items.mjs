// Weft's shared objects as the *items* of a map (not only in `context` or arguments): each item
// arrives as the same shared object, so what a task does to it is seen by the caller.
import { AtomicInt32, Channel, Mutex, Pool, parallelMap } from 'weftjs';
import { describe, expect, it } from '../harness.mjs';

describe('shared objects as map items', () => {
  it('atomic cells as items: every increment made in a worker is seen by the caller', async () => {
    const cells = Array.from({ length: 8 }, () => new AtomicInt32(0));
    const out = await parallelMap(cells, (cell, i) => cell.add(i + 1) + 1, { inline: 'never', chunkSize: 1 });
    expect(out).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(cells.map((c) => c.load())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('items that hold shared objects inside plain records, through Pool.map: mutexes and channels are the same ones', async () => {
    const pool = new Pool({ size: 2 });
    try {
      const out = new Channel(16);
      // Each mutex guards shared memory (a plain object guarded by a Mutex would be copied to each worker).
      const items = Array.from({ length: 6 }, (_, id) => ({ id, lock: new Mutex(new Int32Array(new SharedArrayBuffer(4))), out }));
      await pool.map(items, (item) => {
        const guard = item.lock.lockSync();
        try {
          guard.value[0] += item.id + 1;
        } finally {
          guard.unlock();
        }
        item.out.sendSync(item.id);
      }, { inline: 'never', chunkSize: 1 });
      const hits = [];
      for (const item of items) {
        const guard = await item.lock.lock();
        try {
          hits.push(guard.value[0]);
        } finally {
          guard.unlock();
        }
      }
      expect(hits).toEqual([1, 2, 3, 4, 5, 6]);
      const sent = [];
      while (out.size > 0) sent.push(await out.receive());
      expect(sent.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await pool.close();
    }
  });
});
