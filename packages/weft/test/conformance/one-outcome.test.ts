import { expect, it } from 'vitest';
import { parallelMap, TaskError } from 'weftjs';
import { describeOnWorkers } from '../backend.js';
import { rejectionOf } from '../helpers.js';

// The same call gives the same outcome whether an item ran on the calling thread (inline) or on a worker.
const paths = [
  ['on the calling thread', { inline: 'auto' }],
  ['on workers', { inline: 'never' }],
] as const;

describeOnWorkers('one outcome wherever an item runs', 'native threads share the heap: nothing is copied on any path', () => {
  for (const [path, options] of paths) {
    it(`refuses a result that cannot cross, ${path}`, async () => {
      const err = await rejectionOf<TaskError>(parallelMap([0, 1, 2], (x) => (x === 2 ? () => 1 : x), options));
      expect(err).toBeInstanceOf(TaskError);
      expect(err.index).toBe(2);
      expect((err.cause as Error).name).toBe('TypeError');
      expect((err.cause as Error).message).toMatch(/^The result at index 2 cannot be sent back from the worker/);
    });

    it(`never shows the caller a mutation of its items, and returns copies, ${path}`, async () => {
      const items = [{ n: 1 }, { n: 2 }, { n: 3 }];
      const out = await parallelMap(items, (item) => {
        item.n *= 10;
        return item;
      }, options);
      expect(out).toEqual([{ n: 10 }, { n: 20 }, { n: 30 }]);
      expect(items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      for (let i = 0; i < items.length; i++) expect(out[i]).not.toBe(items[i]);
    });

    it(`keeps a typed array on a SharedArrayBuffer shared, ${path}`, async () => {
      const shared = new Int32Array(new SharedArrayBuffer(12));
      await parallelMap([0, 1, 2], (i, _index, ctx) => {
        Atomics.store(ctx.shared, i, i + 1);
        return i;
      }, { ...options, context: { shared } });
      expect(Array.from(shared)).toEqual([1, 2, 3]);
    });
  }
});
