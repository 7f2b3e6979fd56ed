// par(): lazy parallel chains. Every chain must equal the same chain of Array methods; short-circuiting
// terminals must really stop work; failures carry the source index.
// The fast-check property over the same chains is weft/test/conformance/node-only/par-chains.property.test.ts.
import { AbortError, Pool, TaskError, defineTask, par } from 'weftjs';
import { describe, expect, it, nativeOnly, rejectionOf, seededRandom, sharedFlags, waitUntilChanged, workersOnly } from '../harness.mjs';
import { checkChains } from './par-chains.mjs';

describe('par: chains equal the same chain of Array methods', () => {
  for (const [inline, seed] of [['never', 1606], ['auto', 1607]]) {
    it(`on a seeded input of 300 numbers, chunkSize 7, concurrency 2 (inline: ${inline})`, async () => {
      const random = seededRandom(seed);
      const items = Array.from({ length: 300 }, () => Math.floor(random() * 101));
      await checkChains(par, expect, items, { context: { k: 2 + Math.floor(random() * 8) }, inline, chunkSize: 7, concurrency: 2 });
    }, { timeout: 60_000 });
  }

  it('empty sources give what Array gives', async () => {
    const empty = par([]);
    expect(await empty.toArray()).toEqual([]);
    expect(await empty.sum()).toBe(0);
    expect(await empty.count()).toBe(0);
    expect(await empty.min()).toBeUndefined();
    expect(await empty.max()).toBeUndefined();
    expect(await empty.find(() => true)).toBeUndefined();
    expect(await empty.findIndex(() => true)).toBe(-1);
    expect(await empty.some(() => true)).toBe(false);
    expect(await empty.every(() => false)).toBe(true);
    expect(await empty.reduce((a, b) => a + b, 7)).toBe(7);
    expect(await empty.fold(() => ['init'], (acc) => acc, (a) => a)).toEqual(['init']);
  });

  it('takes iterables, array-likes and typed arrays; bigint sums', async () => {
    expect(await par(new Set([3, 1, 2])).map((x) => x * 10).toArray()).toEqual([30, 10, 20]);
    expect(await par({ length: 3, 0: 'a', 1: 'b', 2: 'c' }).map((s) => s.toUpperCase()).toArray()).toEqual(['A', 'B', 'C']);
    expect(await par(new Float64Array([1.5, 2.5, 3])).sum()).toBe(7);
    expect(await par([1n, 2n, 3n], { inline: 'never', chunkSize: 1 }).sum()).toBe(6n);
  });

  it('numbers keep their exact values on the shared-memory path: -0, NaN, Infinity, fractions', async () => {
    const odd = [-0, NaN, Infinity, -Infinity, 0.1, 2 ** 53 + 2, -1e-320];
    const out = await par(odd, { inline: 'never', chunkSize: 2 }).map((x) => x).toArray();
    expect(out.length).toBe(odd.length);
    out.forEach((x, i) => expect(Object.is(x, odd[i])).toBe(true));
    expect(await par([1, 'two', 3], { inline: 'never' }).map((x) => typeof x).toArray()).toEqual(['number', 'string', 'number']);
  });

  it('a chain is immutable: stages return new chains, and one chain runs twice', async () => {
    const base = par([1, 2, 3, 4]);
    const doubled = base.map((x) => x * 2);
    expect(await base.toArray()).toEqual([1, 2, 3, 4]);
    expect(await doubled.toArray()).toEqual([2, 4, 6, 8]);
    expect(await doubled.sum()).toBe(20);
  });

  it('a typed array on a SharedArrayBuffer is read in place by every chunk', async () => {
    const n = 20_000;
    const shared = new Float64Array(new SharedArrayBuffer(n * 8));
    const random = seededRandom(7);
    for (let i = 0; i < n; i++) shared[i] = Math.floor(random() * 1000);
    const expected = Array.from(shared).filter((x) => x > 500).reduce((s, x) => s + x, 0);
    expect(await par(shared, { inline: 'never', chunkSize: 1000 }).filter((x) => x > 500).sum()).toBe(expected);
    // Each stage can write its index's slot of the same memory: no chunk got a copy.
    await par(shared, { inline: 'never', chunkSize: 1000, context: { shared } }).forEach((x, i, ctx) => {
      ctx.shared[i] = x + 1;
    });
    expect(Array.from(shared).filter((x) => x > 501).reduce((s, x) => s + x - 1, 0)).toBe(expected);
  });

  it('runs on a given pool', async () => {
    const pool = new Pool({ size: 2 });
    try {
      expect(await par([1, 2, 3, 4, 5], { pool, inline: 'never', chunkSize: 2 }).map((x) => x + 1).toArray()).toEqual([2, 3, 4, 5, 6]);
    } finally {
      await pool.close();
    }
  });

  it('reports progress in source items, ending at the total', async () => {
    const seen = [];
    await par(Array.from({ length: 50 }, (_, i) => i), { inline: 'never', chunkSize: 7, onProgress: (done, total) => seen.push([done, total]) }).sum();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toEqual([50, 50]);
    for (const [done, total] of seen) expect(done).toBeLessThanOrEqual(total);
  });
});

describe('par: short-circuiting terminals stop work', () => {
  const n = 200_000;
  const items = Array.from({ length: n }, (_, i) => i);
  const counted = (counter, inline) =>
    par(items, { context: { counter }, chunkSize: 1000, inline, concurrency: 2 }).map((x, _i, ctx) => {
      Atomics.add(ctx.counter, 0, 1);
      // A few microseconds of work per item: half the source then takes far longer than a worker
      // can be descheduled on a busy machine, so the other worker cannot race through it first.
      let h = x;
      for (let k = 0; k < 400; k++) h = Math.imul(h ^ k, 0x9e3779b1) ^ (h >>> 15);
      return h === 0.5 ? h : x;
    });

  for (const inline of ['never', 'auto']) {
    it(`some and every run far fewer items than the source holds (inline: ${inline})`, async () => {
      const counter = sharedFlags(1);
      expect(await counted(counter, inline).some((x) => x === 2_000)).toBe(true);
      expect(Atomics.load(counter, 0)).toBeLessThan(n / 2);
      Atomics.store(counter, 0, 0);
      expect(await counted(counter, inline).every((x) => x < 2_000)).toBe(false);
      expect(Atomics.load(counter, 0)).toBeLessThan(n / 2);
    });

    it(`find and findIndex stop early and still give the first match in input order (inline: ${inline})`, async () => {
      const counter = sharedFlags(1);
      // Matches from 3,000 on, in every chunk after it: the first in input order must win.
      expect(await counted(counter, inline).find((x) => x >= 3_000 && x % 7 === 0)).toBe(3_003);
      expect(Atomics.load(counter, 0)).toBeLessThan(n / 2);
      Atomics.store(counter, 0, 0);
      expect(await counted(counter, inline).findIndex((x) => x >= 3_000 && x % 7 === 0)).toBe(3_003);
      expect(Atomics.load(counter, 0)).toBeLessThan(n / 2);
    });
  }

  it('without a match, every item is run once', async () => {
    const counter = sharedFlags(1);
    expect(await counted(counter, 'never').some((x) => x < 0)).toBe(false);
    expect(Atomics.load(counter, 0)).toBe(n);
  });
});

describe('par: failures', () => {
  for (const inline of ['never', 'auto']) {
    it(`a stage that throws rejects with a TaskError at the SOURCE index, with the original error (inline: ${inline})`, async () => {
      const items = Array.from({ length: 500 }, (_, i) => i);
      const err = await rejectionOf(
        par(items, { inline, chunkSize: 16 })
          .filter((x) => x % 2 === 1)
          .map((x) => {
            if (x === 301) throw new RangeError(`bad ${x}`);
            return x;
          })
          .toArray(),
      );
      expect(err).toBeInstanceOf(TaskError);
      expect(err.index).toBe(301);
      expect(err.message).toContain('index 301');
      expect(err.cause).toBeInstanceOf(RangeError);
      expect(err.cause.message).toBe('bad 301');
    });
  }

  it('a value that cannot be sent back fails the call, naming the chunk of source items', async () => {
    const err = await rejectionOf(par(['a', 'b', 'c', 'd'], { inline: 'never', chunkSize: 2 }).map((s) => (s === 'c' ? () => s : s)).toArray());
    expect(err).toBeInstanceOf(TaskError);
    expect(err.message).toMatch(/par\(\.\.\.\)\.toArray: the chunk of source items 2 to 3 failed/);
  }, { skip: workersOnly('the native backend shares the heap') });

  it('a terminal function that throws is reported at its source index too', async () => {
    const err = await rejectionOf(par([1, 2, 3, 4], { inline: 'never', chunkSize: 1 }).some((x) => {
      if (x === 3) throw new TypeError('pred');
      return false;
    }));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(2);
    expect(err.cause.name).toBe('TypeError');
  });

  it('a tiny input fails the same way as a large one', async () => {
    const err = await rejectionOf(par([1, 2]).map((x) => {
      if (x === 2) throw new Error('two');
      return x;
    }).sum());
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(1);
    expect(err.cause.message).toBe('two');
  });

  it('a combine that throws on the calling thread rejects with a TaskError without an index', async () => {
    const err = await rejectionOf(par([1, 2, 3, 4], { chunkSize: 1 }).fold(() => 0, (a, x) => a + x, () => {
      throw new Error('merge');
    }));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBeUndefined();
    expect(err.cause.message).toBe('merge');
  });

  it('an aborted signal rejects with an AbortError, before or while running', async () => {
    const before = new AbortController();
    before.abort();
    expect(await rejectionOf(par([1, 2], { signal: before.signal }).sum())).toBeInstanceOf(AbortError);

    const flags = sharedFlags(2);
    const during = new AbortController();
    const running = par([0, 1, 2, 3], { signal: during.signal, inline: 'never', chunkSize: 1, context: { flags } }).forEach((_x, _i, ctx) => {
      Atomics.store(ctx.flags, 0, 1);
      Atomics.notify(ctx.flags, 0);
      Atomics.wait(ctx.flags, 1, 0, 10_000);
    });
    await waitUntilChanged(flags, 0, 0);
    during.abort();
    const err = await rejectionOf(running);
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    expect(err).toBeInstanceOf(AbortError);
  });
});

describe('par: checks at the call', () => {
  it('a stage that captures is refused at the stage call, naming the capture', () => {
    let factor = 3; // `let`: Bun's transpiler inlines const primitives
    expect(() => par([1]).map((x) => x * factor)).toThrow(TypeError);
    expect(() => par([1]).map((x) => x * factor)).toThrow(/par\(\.\.\.\)\.map: fn: the function refers to the outer variable factor/);
    expect(() => par([1]).filter(() => factor > 1)).toThrow(/par\(\.\.\.\)\.filter: fn: .*factor/);
    expect(() => par([1]).some((x) => x === factor)).toThrow(/par\(\.\.\.\)\.some: predicate: .*factor/);
    expect(() => par([1]).fold(() => factor, (a) => a, (a) => a)).toThrow(/par\(\.\.\.\)\.fold: init: .*factor/);
    expect(() => par([1]).max((a, b) => a - b + factor)).toThrow(/par\(\.\.\.\)\.max: compare: .*factor/);
  }, { skip: workersOnly('native threads run closures') });

  it('with native threads asked for, stages may capture', async () => {
    let factor = 3;
    expect(await par([1, 2], { inline: 'never', chunkSize: 1 }).map((x) => x * factor).toArray()).toEqual([3, 6]);
  }, { skip: nativeOnly('closures run as they are only there') });

  it('bad items and options are TypeErrors or RangeErrors naming what was received', () => {
    expect(() => par(42)).toThrow(new TypeError('par: items must be an iterable or an array-like object, received a number (42)'));
    expect(() => par([1], null)).toThrow(TypeError);
    expect(() => par([1], { chunkSize: 0 })).toThrow(new RangeError('par: chunkSize must be an integer >= 1, received 0'));
    expect(() => par([1], { concurrency: '2' })).toThrow(TypeError);
    expect(() => par([1], { pool: {} })).toThrow(/par: pool must be a Pool, received an object \(Object\)/);
    expect(() => par([1], { signal: 'x' })).toThrow(TypeError);
    expect(() => par([1]).map(5)).toThrow(new TypeError('par(...).map: fn must be a function, received a number (5)'));
    expect(() => par([1]).reduce(null, 0)).toThrow(/par\(\.\.\.\)\.reduce: fn must be a function, received null/);
  });

  for (const inline of ['never', 'auto']) {
    it(`awaits async stage and terminal functions, item after item within a chunk (inline: ${inline})`, async () => {
      const items = Array.from({ length: 40 }, (_, i) => i);
      const expected = items.map((x) => x * 2).filter((x) => x % 3 === 0);
      expect(await par(items, { chunkSize: 5, inline }).map(async (x) => x * 2).filter(async (x) => x % 3 === 0).toArray()).toEqual(expected);
      expect(await par(items, { chunkSize: 5, inline }).flatMap(async (x) => [x, -x]).count()).toBe(80);
      expect(await par(items, { inline }).find(async (x) => x > 30)).toBe(31);
      expect(await par(items, { inline }).findIndex(async (x) => x * x > 200)).toBe(15);
      expect(await par(items, { inline }).some(async (x) => x === 39)).toBe(true);
      expect(await par(items, { inline }).every(async (x) => x < 39)).toBe(false);
      expect(await par(items, { chunkSize: 7, inline }).reduce(async (a, b) => a + b, 0)).toBe(780);
      expect(await par(items, { inline }).max(async (a, b) => (a % 10) - (b % 10))).toBe(39);
      const counts = await par(['a b', 'b c b'], { chunkSize: 1, inline }).flatMap(async (line) => line.split(' ')).fold(
        async () => ({}),
        async (acc, word) => ({ ...acc, [word]: (acc[word] ?? 0) + 1 }),
        async (a, b) => {
          for (const [word, n] of Object.entries(b)) a[word] = (a[word] ?? 0) + n;
          return a;
        },
      );
      expect(counts).toEqual({ a: 1, b: 3, c: 1 });
      expect(await par([]).fold(async () => 'empty', (acc) => acc, (a) => a)).toBe('empty');
    });
  }

  it('an async stage that rejects fails the chain with its source index and the original error', async () => {
    const err = await rejectionOf(par(Array.from({ length: 30 }, (_, i) => i), { chunkSize: 4, inline: 'never' }).map(async (x) => {
      if (x === 17) throw new RangeError('no 17');
      return x;
    }).toArray());
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(17);
    expect(err.cause.name).toBe('RangeError');
    expect(err.cause.message).toBe('no 17');
  });

  it('an async function that captures is refused at the call, naming the capture', () => {
    let limit = 3; // let: Bun's transpiler inlines a const number into the function's text
    limit += 1;
    expect(() => par([1]).filter(async (x) => x > limit)).toThrow(/limit/);
  }, { skip: workersOnly('closures run as they are on native threads') });

  it('object items are copies: a stage that changes one is not seen by the caller', async () => {
    const items = [{ n: 1 }, { n: 2 }];
    const out = await par(items).map((item) => {
      item.n *= 10;
      return item.n;
    }).toArray();
    expect(out).toEqual([10, 20]);
    expect(items).toEqual([{ n: 1 }, { n: 2 }]);
  }, { skip: workersOnly('the native backend shares the heap') });
});
