import { describe, expectTypeOf, it } from 'vitest';
import { par, type ParIter } from 'weftjs';

describe('par types', () => {
  it('threads item and context types through stages', () => {
    const chain = par([1, 2, 3], { context: { k: 2 } })
      .map((x, i, ctx) => {
        expectTypeOf(x).toEqualTypeOf<number>();
        expectTypeOf(i).toEqualTypeOf<number>();
        expectTypeOf(ctx).toEqualTypeOf<{ k: number }>();
        return String(x * ctx.k);
      })
      .flatMap((s) => s.split(''));
    expectTypeOf(chain).toEqualTypeOf<ParIter<string, { k: number }>>();
    expectTypeOf(chain.toArray()).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(par([1]).flatMap((x) => x + 1).toArray()).toEqualTypeOf<Promise<number[]>>();
  });

  it('narrows with type guards in filter and find', () => {
    const mixed = par<string | number>(['a', 1]);
    expectTypeOf(mixed.filter((v): v is string => typeof v === 'string')).toEqualTypeOf<ParIter<string, undefined>>();
    expectTypeOf(mixed.find((v): v is number => typeof v === 'number')).toEqualTypeOf<Promise<number | undefined>>();
    expectTypeOf(mixed.filter((v) => v !== 1)).toEqualTypeOf<ParIter<string | number, undefined>>();
  });

  it('types the terminals', () => {
    expectTypeOf(par([1]).sum()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(par([1n]).sum()).toEqualTypeOf<Promise<bigint>>();
    expectTypeOf(par(['a']).min()).toEqualTypeOf<Promise<string | undefined>>();
    expectTypeOf(par(['a']).count()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(par(['a']).findIndex((s) => s === 'a')).toEqualTypeOf<Promise<number>>();
    expectTypeOf(par(['a']).some((s) => s === 'a')).toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(par(['a']).forEach(() => undefined)).toEqualTypeOf<Promise<void>>();
    expectTypeOf(par([1]).reduce((a, b) => a + b, 0)).toEqualTypeOf<Promise<number>>();
    const folded = par(['a']).fold(() => new Map<string, number>(), (acc, w) => acc.set(w, 1), (a) => a);
    expectTypeOf(folded).toEqualTypeOf<Promise<Map<string, number>>>();
  });

  it('rejects what must not compile', () => {
    // @ts-expect-error sum needs numbers or bigints
    void par(['a']).sum();
    // @ts-expect-error the stage takes strings, the items are numbers
    void par([1]).map((s: string) => s.length);
    // @ts-expect-error chunkSize is a number
    void par([1], { chunkSize: '4' });
    // @ts-expect-error reduce's identity has the item type
    void par([1]).reduce((a, b) => a + b, 'zero');
    // @ts-expect-error fold's step must return the accumulator
    void par([1]).fold(() => 0, () => 'x', (a, b) => a + b);
  });
});
