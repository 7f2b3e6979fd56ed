// parallelMap: results, order, context, where work runs, one outcome on every path, bad input.
import { parallelMap, TaskError } from 'weftjs';
import { describe, expect, it, notInBrowser, rejectionOf, runtime, seededRandom, workersOnly } from '../harness.mjs';

describe('parallelMap: results', () => {
  it('keeps input order with uneven item costs (seeded)', async () => {
    const rand = seededRandom(42);
    const items = Array.from({ length: 300 }, () => Math.floor(rand() * 20_000));
    const work = (n) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc = (acc + i * 31) % 1_000_003;
      return acc;
    };
    expect(await parallelMap(items, work, { inline: 'never' })).toEqual(items.map(work));
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
    expect(out[1].item).toEqual(new Map([[1, 'a']]));
    expect(out[2].item).toEqual(new Set([2n]));
    expect(out[0].extra).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('returns [] for empty input without starting work', async () => {
    expect(await parallelMap([], (x) => x)).toEqual([]);
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

  it('awaits async functions, wherever the items run', async () => {
    const slowTimesTen = async (x) => {
      await new Promise((r) => setTimeout(r, 1));
      return x * 10;
    };
    expect(await parallelMap([1, 2, 3, 4], slowTimesTen)).toEqual([10, 20, 30, 40]);
    expect(await parallelMap([1, 2, 3, 4], slowTimesTen, { inline: 'never' })).toEqual([10, 20, 30, 40]);
  });

  it('runs method shorthand and named recursive functions', async () => {
    const obj = {
      square(x) {
        return x * x;
      },
    };
    expect(await parallelMap([3, 4], obj.square, { inline: 'never' })).toEqual([9, 16]);
    const fact = function fact(n) {
      return n <= 1 ? 1 : n * fact(n - 1);
    };
    expect(await parallelMap([5, 6], fact, { inline: 'never' })).toEqual([120, 720]);
  });

  it('honours a fixed chunkSize and concurrency: 1', async () => {
    const items = Array.from({ length: 101 }, (_, i) => i);
    expect(await parallelMap(items, (x) => x * 3, { chunkSize: 7, inline: 'never' })).toEqual(items.map((x) => x * 3));
    expect(await parallelMap(items, (x) => x - 1, { concurrency: 1, inline: 'never' })).toEqual(items.map((x) => x - 1));
  });

  it('reports progress up to the total, monotonically', async () => {
    const seen = [];
    const items = Array.from({ length: 2_000 }, (_, i) => i);
    await parallelMap(items, (x) => {
      let s = 0;
      for (let i = 0; i < 2_000; i++) s += i ^ x;
      return s;
    }, { onProgress: (done, total) => seen.push([done, total]), inline: 'never' });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toEqual([2_000, 2_000]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThanOrEqual(seen[i - 1][0]);
  });
});

describe('parallelMap: where work runs', () => {
  it('runs tiny inputs on the calling thread (never on a browser page, which may not block) and heavy ones on workers', async () => {
    globalThis.__weftWhere = 'caller';
    const where = () => globalThis.__weftWhere ?? 'worker';
    const tiny = runtime === 'browser' ? 'worker' : 'caller';
    try {
      expect(await parallelMap([1, 2, 3], where)).toEqual([tiny, tiny, tiny]);
      expect(await parallelMap([1, 2, 3], where, { inline: 'never' })).toEqual(['worker', 'worker', 'worker']);
      const heavy = await parallelMap(Array.from({ length: 12 }, (_, i) => i), () => {
        let s = 0;
        for (let i = 0; i < 3e6; i++) s += Math.sqrt(i);
        return s > 0 ? (globalThis.__weftWhere ?? 'worker') : 'never';
      });
      // The first item measures the cost on the caller; the rest go to workers.
      expect(heavy.filter((w) => w === 'worker').length).toBeGreaterThanOrEqual(10);
    } finally {
      delete globalThis.__weftWhere;
    }
  }, { skip: workersOnly('tells threads apart by a globalThis property, and native threads share globalThis') });

  it('sends a function whose items cost milliseconds last time straight to workers, and probes again once they are cheap', async () => {
    globalThis.__weftWhere = 'caller';
    // Busy for ctx.ms per item (ms), then says where it ran.
    const spin = (_item, _index, ctx) => {
      const until = performance.now() + ctx.ms;
      while (performance.now() < until);
      return globalThis.__weftWhere ?? 'worker';
    };
    const items = Array.from({ length: 8 }, (_, i) => i);
    try {
      const first = await parallelMap(items, spin, { context: { ms: 3 } });
      expect(first[0]).toBe('caller'); // the probe measured item 0 here
      const second = await parallelMap(items, spin, { context: { ms: 3 } });
      expect(second).toEqual(items.map(() => 'worker'));
      // Cheap now, measured on the workers: the next call probes on the calling thread again.
      const many = Array.from({ length: 400 }, (_, i) => i);
      expect(await parallelMap(many, spin, { context: { ms: 0 } })).toEqual(many.map(() => 'worker'));
      expect((await parallelMap(many, spin, { context: { ms: 0 } }))[0]).toBe('caller');
      // What is remembered belongs to the function: another of the same source is probed.
      const again = (_item, _index, ctx) => {
        const until = performance.now() + ctx.ms;
        while (performance.now() < until);
        return globalThis.__weftWhere ?? 'worker';
      };
      expect(await parallelMap(items, spin, { context: { ms: 3 } })).toContain('caller');
      expect(await parallelMap(items, spin, { context: { ms: 3 } })).toEqual(items.map(() => 'worker'));
      expect((await parallelMap(items, again, { context: { ms: 3 } }))[0]).toBe('caller');
    } finally {
      delete globalThis.__weftWhere;
    }
  }, { skip: [workersOnly('tells threads apart by a globalThis property, and native threads share globalThis'), notInBrowser('probe (a page may not block)')] });

  it('shares typed arrays on SharedArrayBuffer instead of copying them', async () => {
    const shared = new Int32Array(new SharedArrayBuffer(64 * 4));
    await parallelMap(Array.from({ length: 64 }, (_, i) => i), (i, _index, ctx) => {
      Atomics.store(ctx.shared, i, i * 2);
      return 0;
    }, { context: { shared }, inline: 'never' });
    expect(Array.from(shared)).toEqual(Array.from({ length: 64 }, (_, i) => i * 2));
    const items = new Float64Array(new SharedArrayBuffer(8 * 100)).map((_, i) => i);
    expect(await parallelMap(items, (x) => x / 2, { inline: 'never' })).toEqual(Array.from(items, (x) => x / 2));
  });
});

// The same call gives the same outcome whether an item ran on the calling thread (inline) or on a worker.
describe('parallelMap: one outcome wherever an item runs', () => {
  const nothingCopied = workersOnly('native threads share the heap: nothing is copied on any path');
  for (const [path, options] of [['on the calling thread', { inline: 'auto' }], ['on workers', { inline: 'never' }]]) {
    it(`refuses a result that cannot cross, ${path}`, async () => {
      const err = await rejectionOf(parallelMap([0, 1, 2], (x) => (x === 2 ? () => 1 : x), options));
      expect(err).toBeInstanceOf(TaskError);
      expect(err.index).toBe(2);
      expect(err.cause.name).toBe('TypeError');
      expect(err.cause.message).toMatch(/^The result at index 2 cannot be sent back from the worker/);
    }, { skip: nothingCopied });

    it(`never shows the caller a mutation of its items, and returns copies, ${path}`, async () => {
      const items = [{ n: 1 }, { n: 2 }, { n: 3 }];
      const out = await parallelMap(items, (item) => {
        item.n *= 10;
        return item;
      }, options);
      expect(out).toEqual([{ n: 10 }, { n: 20 }, { n: 30 }]);
      expect(items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      for (let i = 0; i < items.length; i++) expect(out[i]).not.toBe(items[i]);
    }, { skip: nothingCopied });

    it(`gives the function a copy of the context, flat or nested, ${path}`, async () => {
      // A flat context is copied by spread, a nested one by structured clone: the caller's stays untouched either way.
      const flat = { n: 1, label: 'a', missing: undefined, big: 2n };
      const nested = { n: 1, inner: { hits: 0 }, list: [{ k: 1 }] };
      nested.again = nested.inner;
      const sawFlat = await parallelMap([0, 1, 2], (i, _index, ctx) => {
        ctx.n += 10;
        return [ctx.n > 10, ctx.label, 'missing' in ctx, typeof ctx.big];
      }, { ...options, context: flat });
      expect(sawFlat.every(([bumped, label, hasMissing, big]) => bumped && label === 'a' && hasMissing && big === 'bigint')).toBe(true);
      expect(flat).toEqual({ n: 1, label: 'a', missing: undefined, big: 2n });
      const sawNested = await parallelMap([0, 1, 2], (i, _index, ctx) => {
        ctx.inner.hits++;
        ctx.list[0].k = 99;
        // A shared reference inside the context stays one object in the copy.
        return ctx.again === ctx.inner && ctx.again.hits > 0;
      }, { ...options, context: nested });
      expect(sawNested).toEqual([true, true, true]);
      expect(nested.inner.hits).toBe(0);
      expect(nested.list[0].k).toBe(1);
    }, { skip: nothingCopied });

    it(`keeps a typed array on a SharedArrayBuffer shared, ${path}`, async () => {
      const shared = new Int32Array(new SharedArrayBuffer(12));
      await parallelMap([0, 1, 2], (i, _index, ctx) => {
        Atomics.store(ctx.shared, i, i + 1);
        return i;
      }, { ...options, context: { shared } });
      expect(Array.from(shared)).toEqual([1, 2, 3]);
    }, { skip: nothingCopied });
  }
});

describe('parallelMap: bad input is refused at the call', () => {
  it('items that are not iterable or array-like', () => {
    expect(() => parallelMap(42, (x) => x)).toThrow(TypeError);
    expect(() => parallelMap(42, (x) => x)).toThrow('items must be an iterable or an array-like object, received a number (42)');
    expect(() => parallelMap(null, (x) => x)).toThrow('received null');
    expect(() => parallelMap(undefined, (x) => x)).toThrow('received undefined');
  });

  it('fn that is not a function', () => {
    expect(() => parallelMap([1], 'x => x')).toThrow(new TypeError('parallelMap: fn must be a function, received a string ("x => x")'));
  });

  it('functions that capture outer variables, named in the message', () => {
    // `let`, not `const`: Bun's transpiler inlines const primitives into the function (which then runs correctly).
    let factor = 3;
    let offset = 1;
    expect(() => parallelMap([1], (x) => x * factor + offset)).toThrow(TypeError);
    expect(() => parallelMap([1], (x) => x * factor + offset)).toThrow(/factor/);
    expect(() => parallelMap([1], (x) => x * factor + offset)).toThrow(/offset/);
    expect(() => parallelMap([1], (x) => x * factor + offset)).toThrow(/context/);
  }, { skip: workersOnly('native threads run closures as they are, captures included') });

  it('functions that cannot be sent: native, bound, methods using this', () => {
    expect(() => parallelMap([1], Math.abs)).toThrow(TypeError);
    expect(() => parallelMap([1], ((x) => x).bind(null))).toThrow(TypeError);
    class Scaler {
      k = 2;
      scale(x) {
        return x * this.k;
      }
    }
    expect(() => parallelMap([1], new Scaler().scale)).toThrow(/this/);
  }, { skip: workersOnly('native threads call any function; nothing is sent') });

  it('bad concurrency and chunkSize', () => {
    expect(() => parallelMap([1], (x) => x, { concurrency: 0 })).toThrow(new RangeError('parallelMap: concurrency must be an integer >= 1, received 0'));
    expect(() => parallelMap([1], (x) => x, { concurrency: Number.NaN })).toThrow(RangeError);
    expect(() => parallelMap([1], (x) => x, { concurrency: 1.5 })).toThrow(RangeError);
    expect(() => parallelMap([1], (x) => x, { concurrency: '2' })).toThrow(new TypeError('parallelMap: concurrency must be an integer, received a string ("2")'));
    expect(() => parallelMap([1], (x) => x, { chunkSize: -1 })).toThrow(new RangeError('parallelMap: chunkSize must be an integer >= 1, received -1'));
  });

  it('bad signal, onProgress, backend, inline, options', () => {
    expect(() => parallelMap([1], (x) => x, { signal: {} })).toThrow(/signal must be an AbortSignal/);
    expect(() => parallelMap([1], (x) => x, { onProgress: 1 })).toThrow(/onProgress must be a function/);
    expect(() => parallelMap([1], (x) => x, { backend: 'gpu' })).toThrow(RangeError);
    expect(() => parallelMap([1], (x) => x, { inline: 'always' })).toThrow(RangeError);
    expect(() => parallelMap([1], (x) => x, 5)).toThrow(/options must be an object/);
  });

  it('a context that cannot be cloned', () => {
    expect(() => parallelMap([1], (x) => x, { context: { f: () => 1 } })).toThrow(/context must be structured-cloneable/);
  }, { skip: workersOnly('native threads get the context object itself; nothing is cloned') });

  it('items that cannot be cloned reject with the index, and nothing hangs', async () => {
    const err = await parallelMap([1, 2, Symbol('s')], (x) => x, { inline: 'never' }).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toContain('index 2');
    expect(await parallelMap([1, 2], (x) => x, { inline: 'never' })).toEqual([1, 2]);
  }, { skip: workersOnly('native threads share items by identity; nothing is cloned') });

  it('WEFT_BACKEND with a bad value', () => {
    const env = globalThis.process?.env;
    const before = env.WEFT_BACKEND;
    env.WEFT_BACKEND = 'fast';
    try {
      expect(() => parallelMap([1], (x) => x)).toThrow(/WEFT_BACKEND must be 'auto', 'workers' or 'native', received "fast"/);
    } finally {
      if (before === undefined) delete env.WEFT_BACKEND;
      else env.WEFT_BACKEND = before;
    }
  }, { skip: [notInBrowser('environment variables'), (rt) => (globalThis.process?.env ? undefined : `no process.env on ${rt}`)] });
});
