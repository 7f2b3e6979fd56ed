// parallelSort: the outcome of Array#sort / TypedArray#sort, on workers and on the calling thread.
import { AbortError, TaskError, parallelSort } from 'weftjs';
import { describe, expect, it, rejectionOf, seededRandom } from '../harness.mjs';

/** The index of the first difference (Object.is, holes included), or -1. */
function firstDifference(actual, expected) {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i]) || i in actual !== i in expected) return i;
  return -1;
}

describe('parallelSort', () => {
  it('a shared Float64Array in place: numeric order, -0 before +0, NaN last, for several run lengths', async () => {
    const rand = seededRandom(16);
    const n = 40_000;
    const shared = new Float64Array(new SharedArrayBuffer(n * 8));
    const source = Array.from({ length: n }, (_, i) => (i % 97 === 0 ? NaN : i % 89 === 0 ? -0 : i % 83 === 0 ? 0 : Math.round((rand() - 0.5) * 1e4) / 8));
    const expected = Float64Array.from(source).sort();
    for (const options of [{}, { inline: 'never' }, { inline: 'never', chunkSize: 3_001 }, { inline: 'never', concurrency: 3 }]) {
      shared.set(source);
      expect(await parallelSort(shared, options)).toBe(shared);
      expect(firstDifference(shared, expected)).toBe(-1);
    }
  });

  it('typed arrays not on shared memory, BigInt64Array included, and with a comparator', async () => {
    const rand = seededRandom(7);
    const ints = Int32Array.from({ length: 5_000 }, () => Math.floor((rand() - 0.5) * 2 ** 31));
    const bigs = BigInt64Array.from(ints, (x) => BigInt(x) * 3n);
    for (const array of [ints, bigs]) {
      const expected = array.slice().sort();
      await parallelSort(array, { inline: 'never', chunkSize: 700 });
      expect(firstDifference(array, expected)).toBe(-1);
    }
    const down = ints.slice().sort((a, b) => b - a);
    await parallelSort(ints, (a, b) => b - a, { inline: 'never', chunkSize: 900 });
    expect(firstDifference(ints, down)).toBe(-1);
  });

  it('Float16Array, where the runtime has it: numeric order, -0 before +0, NaN last', async () => {
    const rand = seededRandom(11);
    const half = new globalThis.Float16Array(new SharedArrayBuffer(2 * 6_000));
    for (let i = 0; i < half.length; i++) half[i] = i % 50 === 0 ? NaN : i % 45 === 0 ? -0 : (rand() - 0.5) * 1_000;
    const expected = half.slice().sort();
    await parallelSort(half, { inline: 'never', chunkSize: 1_100 });
    expect(firstDifference(half, expected)).toBe(-1);
  }, { skip: typeof globalThis.Float16Array === 'function' ? undefined : 'this runtime has no Float16Array' });

  it('arrays: stable by a comparator with context, numbers in the default (string) order, undefined and holes last', async () => {
    const rand = seededRandom(3);
    const records = Array.from({ length: 3_000 }, (_, id) => ({ id, key: Math.floor(rand() * 20) }));
    const byKey = records.slice().sort((a, b) => b.key - a.key);
    const sorted = await parallelSort(records, (a, b, ctx) => ctx.sign * (a.key - b.key), { context: { sign: -1 }, inline: 'never', chunkSize: 250 });
    expect(sorted).toBe(records);
    expect(firstDifference(sorted, byKey)).toBe(-1);
    const numbers = Array.from({ length: 3_000 }, () => Math.floor(rand() * 1_000));
    const textOrder = numbers.slice().sort();
    await parallelSort(numbers, { inline: 'never', chunkSize: 400 });
    expect(firstDifference(numbers, textOrder)).toBe(-1);
    const mixed = ['b', undefined, 10, , 9, 'a', null, undefined, , 1n];
    const mixedExpected = mixed.slice().sort();
    await parallelSort(mixed, { inline: 'never' });
    expect(firstDifference(mixed, mixedExpected)).toBe(-1);
  });

  it('a comparator that throws rejects with a TaskError carrying it, leaves the array as it was, and the pool keeps working', async () => {
    const items = Array.from({ length: 2_000 }, (_, i) => (i * 7_919) % 2_000);
    const before = items.slice();
    const err = await rejectionOf(
      parallelSort(items, (a, b) => {
        if (a === 1_234) throw new RangeError('no 1234');
        return a - b;
      }, { inline: 'never', chunkSize: 300 }),
    );
    expect(err).toBeInstanceOf(TaskError);
    expect(err.cause.message).toBe('no 1234');
    expect(firstDifference(items, before)).toBe(-1);
    expect(await parallelSort(items, (a, b) => a - b, { inline: 'never' })).toEqual(before.slice().sort((a, b) => a - b));
  });

  it('an aborted signal rejects with an AbortError; bad input is a TypeError at the call', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await rejectionOf(parallelSort([2, 1], { signal: controller.signal }))).toBeInstanceOf(AbortError);
    expect(() => parallelSort('not an array')).toThrow(TypeError);
    expect(() => parallelSort([1], 5)).toThrow(/compare must be a function/);
    expect(() => parallelSort([1], { chunkSize: 0 })).toThrow(RangeError);
  });
});
