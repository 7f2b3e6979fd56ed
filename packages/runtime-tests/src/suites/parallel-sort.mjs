// parallelSort: exactly the outcome of Array#sort / TypedArray#sort (stability, NaN, -0, undefined and holes), for
// several run lengths, concurrencies and inline modes; typed arrays of every kind; failures, abort and checks.
// The fast-check property over the same checks is weft/test/conformance/node-only/parallel-sort.property.test.ts.
import { AbortError, AtomicInt32, Pool, TaskError, parallelSort } from 'weftjs';
import { sortInTask } from '../../../weft/test/fixtures/parallel-sort-tasks.mjs';
import { describe, expect, it, nativeOnly, rejectionOf, seededRandom, sharedFlags, waitUntilChanged, workersOnly } from '../harness.mjs';
import { checkDefaultOrder, checkNumbers, checkRecords, descending, difference } from './parallel-sort-checks.mjs';

const optionSets = [{ inline: 'auto' }, { inline: 'never' }, { inline: 'never', chunkSize: 7 }, { inline: 'never', chunkSize: 23, concurrency: 3 }, { inline: 'auto', chunkSize: 40 }];
const specials = [0, -0, NaN, Infinity, -Infinity, 0.5, -0.5, 1e21, 5e-324, 10, 9, 100];

/** Expect `actual` to hold `expected`'s items in order (Object.is, holes included). */
function expectSame(actual, expected, what) {
  expect(`${what}: ${difference(actual, expected)}`).toBe(`${what}: `);
}

describe('parallelSort: equals Array.prototype.sort', () => {
  it('numbers (with -0, NaN, Infinity, ties): the default order, a comparator that ties, a shared Float64Array', async () => {
    const random = seededRandom(1616);
    for (const options of optionSets) {
      const items = Array.from({ length: 250 }, () => (random() < 0.2 ? specials[Math.floor(random() * specials.length)] : Math.round((random() - 0.5) * 400) / 4));
      await checkNumbers(parallelSort, expect, items, options);
    }
  });

  it('records by key keep their order within a key (stability), with context as the third argument', async () => {
    const random = seededRandom(2024);
    for (const options of optionSets) {
      const keys = Array.from({ length: 300 }, () => Math.floor(random() * 10));
      await checkRecords(parallelSort, expect, keys, options, false);
      await checkRecords(parallelSort, expect, keys, options, true);
    }
  });

  it('mixed items in the default order: strings, numbers, bigints, null, booleans; undefined last, then holes', async () => {
    const random = seededRandom(77);
    const pool = ['b', 'a', 'Ä', '\u{1F600}', '', 'ab', 10, 9, -1, 1n, null, true, false, undefined];
    for (const options of optionSets) {
      const items = [];
      for (let i = 0; i < 120; i++) if (random() > 0.1) items[i] = pool[Math.floor(random() * pool.length)];
      items.length = 125; // trailing holes too
      await checkDefaultOrder(parallelSort, expect, items, options);
    }
  });

  it('an input large enough to go parallel by itself: 60,000 doubles, records and strings', async () => {
    const random = seededRandom(16);
    const n = 60_000;
    const shared = new Float64Array(new SharedArrayBuffer(n * 8));
    for (let i = 0; i < n; i++) shared[i] = random() < 0.01 ? NaN : random() < 0.01 ? -0 : Math.round((random() - 0.5) * 1000) / 10;
    const expected = shared.slice().sort();
    await parallelSort(shared);
    expectSame(shared, expected, 'Float64Array');
    const records = Array.from({ length: n }, (_, id) => ({ id, key: Math.floor(random() * 50) }));
    const byKey = records.slice().sort((a, b) => a.key - b.key);
    expectSame(await parallelSort(records, (a, b) => a.key - b.key), byKey, 'records');
    const words = Array.from({ length: n }, () => Math.floor(random() * 1e6).toString(36));
    const wordsExpected = words.slice().sort();
    expectSame(await parallelSort(words), wordsExpected, 'strings');
  }, { timeout: 60_000 });

  it('empty and one-item inputs', async () => {
    expect(await parallelSort([])).toEqual([]);
    expect(await parallelSort([undefined, 3])).toEqual([3, undefined]);
    expect(await parallelSort(new Int8Array(0), { inline: 'never' })).toEqual(new Int8Array(0));
    expect(await parallelSort([{ k: 1 }], (a, b) => a.k - b.k, { inline: 'never' })).toEqual([{ k: 1 }]);
  });
});

describe('parallelSort: typed arrays', () => {
  const kinds = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array];
  const extremes = [NaN, -0, 0, Infinity, -Infinity, -1, 1, 127, -128, 255, 65535, -32768, 2 ** 31, -(2 ** 31), 0.25];

  for (const Kind of kinds) {
    it(`${Kind.name}: numeric order (-0 before +0, NaN last), on shared memory in place or copied, and with a comparator`, async () => {
      const random = seededRandom(Kind.BYTES_PER_ELEMENT * 31 + Kind.name.length);
      const source = Array.from({ length: 3_000 }, (_, i) => (i % 10 === 0 ? extremes[i % extremes.length] : (random() - 0.5) * 70_000));
      for (const shared of [true, false]) {
        for (const options of [{ inline: 'never', chunkSize: 333 }, { inline: 'auto' }, { inline: 'never', concurrency: 3 }]) {
          const bytes = source.length * Kind.BYTES_PER_ELEMENT;
          const array = new Kind(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
          array.set(source);
          const expected = array.slice().sort();
          const what = `${Kind.name} shared=${shared} ${JSON.stringify(options)}`;
          expect(await parallelSort(array, options)).toBe(array);
          expectSame(array, expected, what);
          array.set(source);
          const down = array.slice().sort(descending);
          await parallelSort(array, descending, options);
          expectSame(array, down, `${what} descending`);
        }
      }
    }, { timeout: 60_000 });
  }

  for (const Kind of [BigInt64Array, BigUint64Array]) {
    it(`${Kind.name}: numeric order, and with a comparator`, async () => {
      const random = seededRandom(64);
      const array = new Kind(new SharedArrayBuffer(2_000 * 8));
      for (let i = 0; i < array.length; i++) array[i] = BigInt.asIntN(64, BigInt(Math.floor((random() - 0.5) * 2 ** 52)) * 4099n);
      const source = array.slice();
      await parallelSort(array, { inline: 'never', chunkSize: 150 });
      expectSame(array, source.slice().sort(), Kind.name);
      array.set(source);
      const down = (a, b) => (a < b ? 1 : a > b ? -1 : 0);
      await parallelSort(array, down, { inline: 'never', chunkSize: 150 });
      expectSame(array, source.slice().sort(down), `${Kind.name} descending`);
    });
  }

  it('Float16Array, where the runtime has it: numeric order, -0 before +0, NaN last', async () => {
    const random = seededRandom(11);
    const half = new globalThis.Float16Array(new SharedArrayBuffer(2 * 6_000));
    for (let i = 0; i < half.length; i++) half[i] = i % 50 === 0 ? NaN : i % 45 === 0 ? -0 : (random() - 0.5) * 1_000;
    const expected = half.slice().sort();
    await parallelSort(half, { inline: 'never', chunkSize: 1_100 });
    expectSame(half, expected, 'Float16Array');
  }, { skip: typeof globalThis.Float16Array === 'function' ? undefined : 'this runtime has no Float16Array' });

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
});

describe('parallelSort: where it runs', () => {
  it('inside a pool task, on that task\'s thread', async () => {
    const pool = new Pool({ size: 2 });
    try {
      expect(await pool.run(sortInTask, [5, 3, 9, 1, 7, 2, 8, 4])).toEqual([1, 2, 3, 4, 5, 7, 8, 9]);
    } finally {
      await pool.close();
    }
  });

  it('on a given pool', async () => {
    const pool = new Pool({ size: 2 });
    try {
      const options = { pool, inline: 'never', chunkSize: 3 };
      expect(await parallelSort([5, 3, 9, 1, 7, 2, 8], (a, b) => a - b, options)).toEqual([1, 2, 3, 5, 7, 8, 9]);
      expect(Array.from(await parallelSort(new Uint16Array([9, 4, 7, 1]), options))).toEqual([1, 4, 7, 9]);
    } finally {
      await pool.close();
    }
  });

  it("Weft's shareables in context stay the same object: an AtomicInt32 counts the comparisons made everywhere", async () => {
    const calls = new AtomicInt32(0);
    const items = Array.from({ length: 2_000 }, (_, i) => (i * 7_919) % 2_000);
    const sorted = await parallelSort(items, (a, b, ctx) => {
      ctx.calls.add(1);
      return a - b;
    }, { context: { calls }, inline: 'never', chunkSize: 500 });
    expect(sorted).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    // Sorting the four runs of 500 on workers takes at least 499 comparisons each; the calling thread only makes
    // the splits' few dozen: the workers' counts reached the same cell.
    expect(calls.load()).toBeGreaterThanOrEqual(4 * 499);
  });
});

describe('parallelSort: failures', () => {
  for (const inline of ['never', 'auto']) {
    it(`a comparator that throws rejects with a TaskError carrying it; the array is unchanged; the pool stays usable (inline: ${inline})`, async () => {
      const items = Array.from({ length: 400 }, (_, i) => (i * 7_919) % 400);
      const before = items.slice();
      const err = await rejectionOf(
        parallelSort(items, (a, b) => {
          if (a === 13 || b === 13) throw new RangeError('thirteen');
          return a - b;
        }, { inline, chunkSize: 50 }),
      );
      expect(err).toBeInstanceOf(TaskError);
      expect(err.message).toMatch(/^parallelSort: comparing two items threw: RangeError: thirteen/);
      expect(err.cause).toBeInstanceOf(RangeError);
      expect(err.cause.message).toBe('thirteen');
      expect(items).toEqual(before);
      expect(await parallelSort(items, (a, b) => a - b, { inline, chunkSize: 50 })).toEqual(before.slice().sort((a, b) => a - b));
    });
  }

  it('the default order of a symbol throws as Array#sort does, as a TaskError', async () => {
    // (On the calling thread: a symbol cannot be sent to a worker at all.)
    const err = await rejectionOf(parallelSort(['b', Symbol('s'), 'a'], { chunkSize: 1 }));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.cause.name).toBe('TypeError');
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

  it('an aborted signal rejects with an AbortError, before or while sorting; the array is unchanged; the pool stays usable', async () => {
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
    expect(() => parallelSort(42)).toThrow(new TypeError('parallelSort: array must be an Array or a typed array, received a number (42)'));
    expect(() => parallelSort(new Set([1]))).toThrow(/received an object \(Set\)/);
    expect(() => parallelSort(new DataView(new ArrayBuffer(8)))).toThrow(TypeError);
    expect(() => parallelSort(Object.freeze([2, 1]))).toThrow(new TypeError('parallelSort: array is frozen, so it cannot be sorted in place'));
    expect(() => parallelSort([1], 5)).toThrow(new TypeError('parallelSort: compare must be a function, received a number (5)'));
    expect(() => parallelSort([1], null)).toThrow(TypeError);
    expect(() => parallelSort([1], { chunkSize: 0 })).toThrow(new RangeError('parallelSort: chunkSize must be an integer >= 1, received 0'));
    expect(() => parallelSort([1], undefined, { concurrency: 1.5 })).toThrow(RangeError);
    expect(() => parallelSort([1], { inline: 'sometimes' })).toThrow(RangeError);
    expect(() => parallelSort([1], { signal: {} })).toThrow(/signal must be an AbortSignal/);
    expect(() => parallelSort([1], { pool: {} })).toThrow(/pool must be a Pool, received an object \(Object\)/);
    expect(() => parallelSort([1], undefined, 'fast')).toThrow(/options must be an object, received a string/);
  });

  it('a comparator that captures is refused at the call, naming the capture; so are async comparators and a context that cannot be cloned', () => {
    let field = 'key'; // `let`: Bun's transpiler inlines const primitives
    expect(() => parallelSort([{ key: 1 }], (a, b) => a[field] - b[field])).toThrow(/parallelSort: compare: the function refers to the outer variable field/);
    expect(() => parallelSort([1], async (a, b) => a - b)).toThrow(/parallelSort: compare must not be async/);
    expect(() => parallelSort([1], (a, b) => a - b, { context: { f: () => 1 } })).toThrow(/parallelSort: context must be structured-cloneable/);
  }, { skip: workersOnly('native threads run closures as they are') });

  it('with native threads, a comparator may capture', async () => {
    let field = 'key'; // `let`: Bun's transpiler inlines const primitives
    const records = [{ key: 2 }, { key: 1 }];
    expect(await parallelSort(records, (a, b) => a[field] - b[field], { inline: 'never' })).toEqual([{ key: 1 }, { key: 2 }]);
  }, { skip: nativeOnly('closures run as they are only there') });
});
