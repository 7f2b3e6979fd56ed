import { describe, expectTypeOf, it } from 'vitest';
import { parallelSort } from 'weftjs';

describe('parallelSort types', () => {
  it('resolves to the array it was given, typed arrays keeping their kind', () => {
    const shared = new Float64Array(new SharedArrayBuffer(8));
    expectTypeOf(parallelSort(shared)).toEqualTypeOf<Promise<Float64Array<SharedArrayBuffer>>>();
    expectTypeOf(parallelSort(new BigInt64Array(1), { concurrency: 2 })).toEqualTypeOf<Promise<BigInt64Array<ArrayBuffer>>>();
    expectTypeOf(parallelSort([{ key: 1 }], (a, b) => a.key - b.key)).toEqualTypeOf<Promise<{ key: number }[]>>();
    expectTypeOf(parallelSort(['b', 'a'])).toEqualTypeOf<Promise<string[]>>();
  });

  it('types the comparator: elements (bigint for BigInt arrays, never undefined for arrays) and context', () => {
    void parallelSort(new BigInt64Array(1), (a, b) => {
      expectTypeOf(a).toEqualTypeOf<bigint>();
      return Number(a - b);
    });
    void parallelSort(new Uint8Array(1), (a, b) => {
      expectTypeOf(b).toEqualTypeOf<number>();
      return a - b;
    });
    void parallelSort([3, undefined, 1], (a, b, ctx) => {
      expectTypeOf(a).toEqualTypeOf<number>();
      expectTypeOf(ctx).toEqualTypeOf<{ sign: number }>();
      return ctx.sign * (a - b);
    }, { context: { sign: -1 } });
  });

  it('rejects what must not compile', () => {
    // @ts-expect-error a readonly array cannot be sorted in place
    void parallelSort([1, 2] as readonly number[]);
    // @ts-expect-error the comparator must return a number
    void parallelSort([1], (a, b) => a > b);
    // @ts-expect-error a Float64Array's comparator sees numbers
    void parallelSort(new Float64Array(1), (a: bigint, b: bigint) => Number(a - b));
    // @ts-expect-error not an array
    void parallelSort(new Set([1]));
  });
});
