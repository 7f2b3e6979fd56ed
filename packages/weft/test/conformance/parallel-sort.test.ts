// parallelSort: the outcome must be exactly Array.prototype.sort's / TypedArray.prototype.sort's (stability, NaN,
// -0, undefined and holes included) for every run length, concurrency and inline mode. Runs on both backends.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AbortError, AtomicInt32, Pool, TaskError, parallelSort, type ParallelSortOptions } from 'weftjs';
import { itOnNative, itOnWorkers } from '../backend.js';
import { sortInTask } from '../fixtures/parallel-sort-tasks.mjs';
import { rejectionOf, seededRandom, sharedFlags, waitUntilChanged } from '../helpers.js';

/** Same length, same items by Object.is, same holes. */
function expectSame(actual: ArrayLike<unknown>, expected: ArrayLike<unknown>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]) || i in actual !== i in expected) {
      expect.fail(`${what}: differs at index ${i}: ${String(actual[i])} (${i in actual ? 'present' : 'hole'}) vs ${String(expected[i])}`);
    }
  }
}

const optionsArb = fc.record(
  {
    chunkSize: fc.integer({ min: 1, max: 60 }),
    concurrency: fc.integer({ min: 1, max: 4 }),
    inline: fc.constantFrom<'auto' | 'never'>('auto', 'never'),
  },
  { requiredKeys: ['inline'] },
);

const numberArb = fc.oneof(
  fc.integer({ min: -50, max: 50 }),
  fc.double({ noDefaultInfinity: false }),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 0.5, -0.5, 1e21, 5e-324),
);

describe('parallelSort: equals Array.prototype.sort', () => {
  it('numbers, with and without comparators, stable under a comparator that ties', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(numberArb, { maxLength: 250 }), optionsArb, async (items, options) => {
        const what = JSON.stringify(options);
        // Default order: by String(x), which puts 10 before 9 and ties nothing but equal strings (0 and -0).
        const plain = items.slice();
        expectSame(await parallelSort(plain, options), items.slice().sort(), `default ${what}`);
        // A comparator with ties between different numbers: equal floors keep input order.
        const floors = items.slice();
        // (A consistent comparator, NaN included: one returning NaN would make the order implementation-defined.)
        const byFloor = (a: number, b: number) => {
          const ka = a !== a ? Infinity : Math.floor(a);
          const kb = b !== b ? Infinity : Math.floor(b);
          return ka < kb ? -1 : ka > kb ? 1 : 0;
        };
        expectSame(await parallelSort(floors, byFloor, options), items.slice().sort(byFloor), `byFloor ${what}`);
        const f64 = new Float64Array(new SharedArrayBuffer(items.length * 8));
        f64.set(items);
        const f64Expected = Float64Array.from(items).sort();
        expect(await parallelSort(f64, options)).toBe(f64);
        expectSame(f64, f64Expected, `Float64Array ${what}`);
      }),
      { numRuns: 40, seed: 1616 },
    );
  }, 120_000);

  it('records by key keep their order within a key (stability), with context as the third argument', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 300 }), optionsArb, fc.boolean(), async (keys, options, descending) => {
        const records = keys.map((key, id) => ({ key, id }));
        const expected = records.slice().sort((a, b) => (descending ? b.key - a.key : a.key - b.key));
        const sorted = await parallelSort(records, (a, b, ctx) => (ctx.descending ? b.key - a.key : a.key - b.key), { ...options, context: { descending } });
        expect(sorted).toBe(records);
        expectSame(sorted, expected, JSON.stringify(options));
      }),
      { numRuns: 30, seed: 2024 },
    );
  }, 120_000);

  it('mixed items in the default order: strings, numbers, bigints, null, booleans; undefined last, then holes', async () => {
    const itemArb = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -20, max: 20 }), fc.constantFrom(null, true, false, 10n, undefined, 'Ä', '\u{1F600}'));
    await fc.assert(
      fc.asyncProperty(fc.sparseArray(itemArb, { maxLength: 120 }), optionsArb, async (items, options) => {
        const mine = items.slice();
        const expected = items.slice().sort();
        expect(await parallelSort(mine, options)).toBe(mine);
        expectSame(mine, expected, JSON.stringify(options));
      }),
      { numRuns: 40, seed: 77 },
    );
  }, 120_000);

  it('an input large enough to go parallel without inline: never', async () => {
    const random = seededRandom(16);
    const n = 60_000;
    const shared = new Float64Array(new SharedArrayBuffer(n * 8));
    for (let i = 0; i < n; i++) shared[i] = random() < 0.01 ? NaN : random() < 0.01 ? -0 : Math.round((random() - 0.5) * 1000) / 10;
    const expected = shared.slice().sort();
    await parallelSort(shared);
    expectSame(shared, expected, 'Float64Array 60k');
    const records = Array.from({ length: n }, (_, id) => ({ id, key: Math.floor(random() * 50) }));
    const byKey = records.slice().sort((a, b) => a.key - b.key);
    expectSame(await parallelSort(records, (a, b) => a.key - b.key), byKey, 'records 60k');
    const words = Array.from({ length: n }, () => Math.floor(random() * 1e6).toString(36));
    const wordsExpected = words.slice().sort();
    expectSame(await parallelSort(words), wordsExpected, 'strings 60k');
  }, 60_000);

  it('a view into the middle of a shared buffer is sorted in place, the rest untouched', async () => {
    const whole = new Int32Array(new SharedArrayBuffer(4 * 10_000));
    for (let i = 0; i < whole.length; i++) whole[i] = (i * 7_919) % 10_000;
    const before = whole.slice();
    const view = whole.subarray(1_000, 9_000);
    const expected = view.slice().sort();
    expect(await parallelSort(view, { inline: 'never', chunkSize: 1_500 })).toBe(view);
    expectSame(view, expected, 'the view');
    expectSame(whole.subarray(0, 1_000), before.subarray(0, 1_000), 'before the view');
    expectSame(whole.subarray(9_000), before.subarray(9_000), 'after the view');
  });

  it('inside a pool task, on that task\'s thread', async () => {
    await using pool = new Pool({ size: 2 });
    expect(await pool.run(sortInTask, [5, 3, 9, 1, 7, 2, 8, 4])).toEqual([1, 2, 3, 4, 5, 7, 8, 9]);
  });

  it("Weft's shareables in context stay the same object: an AtomicInt32 counts the comparisons made everywhere", async () => {
    const calls = new AtomicInt32(0);
    const items = Array.from({ length: 2_000 }, (_, i) => (i * 7_919) % 2_000);
    const sorted = await parallelSort(items, (a, b, ctx) => { ctx.calls.add(1); return a - b; }, { context: { calls }, inline: 'never', chunkSize: 500 });
    expect(sorted).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    // Sorting the four runs of 500 on workers takes at least 499 comparisons each; the calling thread only makes
    // the splits' few dozen: the workers' counts reached the same cell.
    expect(calls.load()).toBeGreaterThanOrEqual(4 * 499);
  });

  it('empty and one-item inputs', async () => {
    expect(await parallelSort([])).toEqual([]);
    expect(await parallelSort([undefined, 3])).toEqual([3, undefined]);
    expect(await parallelSort(new Int8Array(0), { inline: 'never' })).toEqual(new Int8Array(0));
    const one = [{ k: 1 }];
    expect(await parallelSort(one, (a, b) => a.k - b.k, { inline: 'never' })).toEqual([{ k: 1 }]);
  });
});

describe('parallelSort: typed arrays', () => {
  const kinds = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array] as const;
  const specials = [NaN, -0, 0, Infinity, -Infinity, -1, 1, 127, -128, 255, 65535, -32768, 2 ** 31, -(2 ** 31), 0.25];

  for (const Kind of kinds) {
    it(`${Kind.name}: numeric order (-0 before +0, NaN last), shared in place or copied, and with a comparator`, async () => {
      const random = seededRandom(Kind.BYTES_PER_ELEMENT * 31 + Kind.name.length);
      const source = Array.from({ length: 3_000 }, (_, i) => (i % 10 === 0 ? (specials[i % specials.length] as number) : (random() - 0.5) * 70_000));
      for (const shared of [true, false]) {
        for (const options of [{ inline: 'never', chunkSize: 333 }, { inline: 'auto' }, { inline: 'never', concurrency: 3 }] as const) {
          const bytes = source.length * Kind.BYTES_PER_ELEMENT;
          const array = new Kind((shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes)) as ArrayBuffer);
          array.set(source);
          const expected = array.slice().sort();
          const what = `${Kind.name} shared=${shared} ${JSON.stringify(options)}`;
          expect(await parallelSort(array, options), what).toBe(array);
          expectSame(array, expected, what);
          array.set(source);
          // Descending, NaN last: consistent, and -0 and +0 tie (so stability shows).
          const down = (a: number, b: number) => (a !== a ? (b !== b ? 0 : 1) : b !== b ? -1 : b < a ? -1 : a < b ? 1 : 0);
          const descending = array.slice().sort(down);
          await parallelSort(array, down, options);
          expectSame(array, descending, `${what} descending`);
        }
      }
    }, 60_000);
  }

  for (const Kind of [BigInt64Array, BigUint64Array] as const) {
    it(`${Kind.name}: numeric order, and with a comparator`, async () => {
      const random = seededRandom(64);
      const array = new Kind(new SharedArrayBuffer(2_000 * 8) as unknown as ArrayBuffer);
      for (let i = 0; i < array.length; i++) array[i] = BigInt.asIntN(64, BigInt(Math.floor((random() - 0.5) * 2 ** 52)) * 4099n);
      const source = array.slice();
      await parallelSort(array, { inline: 'never', chunkSize: 150 });
      expectSame(array, source.slice().sort(), Kind.name);
      array.set(source);
      await parallelSort(array, (a, b) => (a < b ? 1 : a > b ? -1 : 0), { inline: 'never', chunkSize: 150 });
      expectSame(array, source.slice().sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)), `${Kind.name} descending`);
    });
  }
});

describe('parallelSort: failures', () => {
  for (const inline of ['never', 'auto'] as const) {
    it(`a comparator that throws rejects with a TaskError carrying it; the array is unchanged (inline: ${inline})`, async () => {
      const items = Array.from({ length: 400 }, (_, i) => (i * 7919) % 400);
      const before = items.slice();
      const err = await rejectionOf<TaskError>(
        parallelSort(items, (a, b) => { if (a === 13 || b === 13) throw new RangeError('thirteen'); return a - b; }, { inline, chunkSize: 50 }),
      );
      expect(err).toBeInstanceOf(TaskError);
      expect(err.message).toMatch(/^parallelSort: comparing two items threw: RangeError: thirteen/);
      expect(err.cause).toBeInstanceOf(RangeError);
      expect((err.cause as Error).message).toBe('thirteen');
      expect(items).toEqual(before);
      // The pool stays usable.
      expect(await parallelSort(items, (a, b) => a - b, { inline, chunkSize: 50 })).toEqual(before.slice().sort((a, b) => a - b));
    });
  }

  it('the default order of a symbol throws as Array#sort does, as a TaskError', async () => {
    // (On the calling thread: a symbol cannot be sent to a worker at all.)
    const err = await rejectionOf<TaskError>(parallelSort(['b', Symbol('s'), 'a'], { chunkSize: 1 }));
    expect(err).toBeInstanceOf(TaskError);
    expect((err.cause as Error).name).toBe('TypeError');
  });

  it('an inconsistent comparator ends, with the same items in some order', async () => {
    const random = seededRandom(5);
    const items = Array.from({ length: 3_000 }, () => Math.floor(random() * 100));
    const out = await parallelSort(items.slice(), () => Math.random() - 0.5, { inline: 'never', chunkSize: 200 });
    expect(out.slice().sort((a, b) => a - b)).toEqual(items.slice().sort((a, b) => a - b));
    const records = items.map((k, id) => ({ k, id }));
    const shuffled = await parallelSort(records.slice(), (a, b) => (a.id % 3) - (b.k % 5), { inline: 'never', chunkSize: 100 });
    expect(shuffled.map((r) => r.id).sort((a, b) => a - b)).toEqual(records.map((r) => r.id));
  });

  it('an aborted signal rejects with an AbortError, before or while sorting; the pool stays usable', async () => {
    const before = new AbortController();
    before.abort();
    expect(await rejectionOf(parallelSort([2, 1], { signal: before.signal }))).toBeInstanceOf(AbortError);

    const flags = sharedFlags(2);
    const during = new AbortController();
    const items = Array.from({ length: 1_000 }, (_, i) => 1_000 - i);
    const running = parallelSort(
      items,
      (a, b, ctx) => {
        // The first comparison anywhere says so, then waits (bounded) to be released.
        if (Atomics.compareExchange(ctx.flags, 0, 0, 1) === 0) {
          Atomics.notify(ctx.flags, 0);
          Atomics.wait(ctx.flags, 1, 0, 10_000);
        }
        return a - b;
      },
      { signal: during.signal, inline: 'never', chunkSize: 100, context: { flags } },
    );
    await waitUntilChanged(flags, 0, 0);
    during.abort();
    const err = await rejectionOf(running);
    Atomics.store(flags, 1, 1);
    Atomics.notify(flags, 1);
    expect(err).toBeInstanceOf(AbortError);
    expect(items[0]).toBe(1_000);
    expect(await parallelSort(items.slice(), (a, b) => a - b, { inline: 'never' })).toEqual(items.slice().sort((a, b) => a - b));
  });
});

describe('parallelSort: checks at the call', () => {
  it('bad arrays, comparators and options are TypeErrors or RangeErrors naming what was received', () => {
    expect(() => parallelSort(42 as never)).toThrow(new TypeError('parallelSort: array must be an Array or a typed array, received a number (42)'));
    expect(() => parallelSort(new Set([1]) as never)).toThrow(/received an object \(Set\)/);
    expect(() => parallelSort(new DataView(new ArrayBuffer(8)) as never)).toThrow(TypeError);
    expect(() => parallelSort(Object.freeze([2, 1]) as number[])).toThrow(new TypeError('parallelSort: array is frozen, so it cannot be sorted in place'));
    expect(() => parallelSort([1], 5 as never)).toThrow(new TypeError('parallelSort: compare must be a function, received a number (5)'));
    expect(() => parallelSort([1], null as never)).toThrow(TypeError);
    expect(() => parallelSort([1], { chunkSize: 0 })).toThrow(new RangeError('parallelSort: chunkSize must be an integer >= 1, received 0'));
    expect(() => parallelSort([1], undefined, { concurrency: 1.5 })).toThrow(RangeError);
    expect(() => parallelSort([1], { inline: 'sometimes' as never })).toThrow(RangeError);
    expect(() => parallelSort([1], { signal: {} as never })).toThrow(/signal must be an AbortSignal/);
    expect(() => parallelSort([1], { pool: {} as never })).toThrow(/pool must be a Pool, received an object \(Object\)/);
    expect(() => parallelSort([1], undefined, 'fast' as never)).toThrow(/options must be an object, received a string/);
  });

  itOnWorkers('a comparator that captures is refused at the call, naming the capture', 'native threads run closures', () => {
    const field = 'key';
    expect(() => parallelSort([{ key: 1 }], (a, b) => a[field] - b[field])).toThrow(/parallelSort: compare: the function refers to the outer variable field/);
    expect(() => parallelSort([1], (async (a: number, b: number) => a - b) as never)).toThrow(/parallelSort: compare must not be async/);
    expect(() => parallelSort([1], (a, b) => a - b, { context: { f: () => 1 } })).toThrow(/parallelSort: context must be structured-cloneable/);
  });

  itOnNative('with native threads, a comparator may capture', 'closures run as they are only there', async () => {
    const field = 'key';
    const records = [{ key: 2 }, { key: 1 }];
    expect(await parallelSort(records, (a, b) => a[field] - b[field], { inline: 'never' })).toEqual([{ key: 1 }, { key: 2 }]);
  });

  it('runs on a given pool', async () => {
    await using pool = new Pool({ size: 2 });
    const options: ParallelSortOptions = { pool, inline: 'never', chunkSize: 3 };
    expect(await parallelSort([5, 3, 9, 1, 7, 2, 8], (a, b) => a - b, options)).toEqual([1, 2, 3, 5, 7, 8, 9]);
    expect(Array.from(await parallelSort(new Uint16Array([9, 4, 7, 1]), options))).toEqual([1, 4, 7, 9]);
  });
});
