import { describe, expect, it } from 'vitest';
import { parallelMap } from 'weftjs';
import { seededRandom } from '../helpers.js';
import { itOnWorkers } from '../backend.js';

describe('parallelMap: results', () => {
  it('keeps input order with uneven item costs (seeded)', async () => {
    const rand = seededRandom(42);
    const items = Array.from({ length: 300 }, () => Math.floor(rand() * 20_000));
    const out = await parallelMap(
      items,
      (n) => {
        let acc = 0;
        for (let i = 0; i < n; i++) acc = (acc + i * 31) % 1_000_003;
        return acc;
      },
      { inline: 'never' },
    );
    const expected = items.map((n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc = (acc + i * 31) % 1_000_003;
      return acc;
    });
    expect(out).toEqual(expected);
  });

  it('passes item, index and context, and clones rich values both ways', async () => {
    const items = [new Date(0), new Map([[1, 'a']]), new Set([2n]), { nested: [1, { deep: true }] }];
    const out = await parallelMap(
      items,
      (item, index, ctx) => ({ index, tag: Object.prototype.toString.call(item), item, extra: ctx.extra }),
      { context: { extra: new Uint8Array([1, 2, 3]) }, inline: 'never' },
    );
    expect(out.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(out.map((r) => r.tag)).toEqual(['[object Date]', '[object Map]', '[object Set]', '[object Object]']);
    expect(out[1]?.item).toEqual(new Map([[1, 'a']]));
    expect(out[2]?.item).toEqual(new Set([2n]));
    expect(out[0]?.extra).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('returns [] for empty input without starting work', async () => {
    expect(await parallelMap([], (x: number) => x)).toEqual([]);
  });

  it('accepts any iterable or array-like: Set, generator, string, array-like object', async () => {
    function* gen() {
      yield 1;
      yield 2;
      yield 3;
    }
    expect(await parallelMap(new Set([1, 2, 3]), (x) => x * 2, { inline: 'never' })).toEqual([2, 4, 6]);
    expect(await parallelMap(gen(), (x) => x + 1, { inline: 'never' })).toEqual([2, 3, 4]);
    expect(await parallelMap('abc', (c) => c.toUpperCase(), { inline: 'never' })).toEqual(['A', 'B', 'C']);
    expect(await parallelMap({ length: 2, 0: 'x', 1: 'y' }, (s) => s + s, { inline: 'never' })).toEqual(['xx', 'yy']);
  });

  it('awaits async functions', async () => {
    const out = await parallelMap(
      [1, 2, 3, 4],
      async (x) => {
        await new Promise((r) => setTimeout(r, 1));
        return x * 10;
      },
    );
    expect(out).toEqual([10, 20, 30, 40]);
  });

  it('runs method shorthand and named recursive functions', async () => {
    const obj = {
      square(x: number) {
        return x * x;
      },
    };
    expect(await parallelMap([3, 4], obj.square, { inline: 'never' })).toEqual([9, 16]);
    expect(
      await parallelMap(
        [5, 6],
        function fact(n: number): number {
          return n <= 1 ? 1 : n * fact(n - 1);
        },
        { inline: 'never' },
      ),
    ).toEqual([120, 720]);
  });

  it('honours a fixed chunkSize and concurrency: 1', async () => {
    const items = Array.from({ length: 101 }, (_, i) => i);
    expect(await parallelMap(items, (x) => x * 3, { chunkSize: 7, inline: 'never' })).toEqual(items.map((x) => x * 3));
    expect(await parallelMap(items, (x) => x - 1, { concurrency: 1, inline: 'never' })).toEqual(items.map((x) => x - 1));
  });

  it('reports progress up to the total, monotonically', async () => {
    const seen: [number, number][] = [];
    const items = Array.from({ length: 2_000 }, (_, i) => i);
    await parallelMap(
      items,
      (x) => {
        let s = 0;
        for (let i = 0; i < 2_000; i++) s += i ^ x;
        return s;
      },
      { onProgress: (done, total) => seen.push([done, total]), inline: 'never' },
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toEqual([2_000, 2_000]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThanOrEqual(seen[i - 1]![0]);
  });
});

describe('parallelMap: where work runs', () => {
  itOnWorkers('runs tiny inputs on the calling thread and heavy ones on workers', 'tells threads apart by a globalThis property, and native threads share globalThis', async () => {
    (globalThis as { __weftWhere?: string }).__weftWhere = 'caller';
    const where = () => (globalThis as { __weftWhere?: string }).__weftWhere ?? 'worker';
    expect(await parallelMap([1, 2, 3], where)).toEqual(['caller', 'caller', 'caller']);
    expect(await parallelMap([1, 2, 3], where, { inline: 'never' })).toEqual(['worker', 'worker', 'worker']);
    const heavy = await parallelMap(Array.from({ length: 12 }, (_, i) => i), () => {
      let s = 0;
      for (let i = 0; i < 3e6; i++) s += Math.sqrt(i);
      return s > 0 ? ((globalThis as { __weftWhere?: string }).__weftWhere ?? 'worker') : 'never';
    });
    // The first item measures the cost on the caller; the rest go to workers.
    expect(heavy.filter((w) => w === 'worker').length).toBeGreaterThanOrEqual(10);
  });

  it('shares typed arrays on SharedArrayBuffer instead of copying them', async () => {
    const shared = new Int32Array(new SharedArrayBuffer(64 * 4));
    await parallelMap(
      Array.from({ length: 64 }, (_, i) => i),
      (i, _index, ctx) => {
        Atomics.store(ctx.shared, i, i * 2);
        return 0;
      },
      { context: { shared }, inline: 'never' },
    );
    expect(Array.from(shared)).toEqual(Array.from({ length: 64 }, (_, i) => i * 2));
    const items = new Float64Array(new SharedArrayBuffer(8 * 100)).map((_, i) => i);
    expect(await parallelMap(items, (x) => x / 2, { inline: 'never' })).toEqual(Array.from(items, (x) => x / 2));
  });
});
