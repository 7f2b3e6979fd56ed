import { describe, expectTypeOf, it } from 'vitest';
import { defineTask, fromModule, parallelMap } from 'weftjs';

describe('parallelMap types', () => {
  it('infers item, context and result types', () => {
    const out = parallelMap([1, 2], (x, i, ctx) => {
      expectTypeOf(x).toEqualTypeOf<number>();
      expectTypeOf(i).toEqualTypeOf<number>();
      expectTypeOf(ctx).toEqualTypeOf<{ k: number }>();
      return String(x * ctx.k);
    }, { context: { k: 2 } });
    expectTypeOf(out).toEqualTypeOf<Promise<string[]>>();
  });

  it('unwraps async results', () => {
    expectTypeOf(parallelMap(['a'], async (s) => s.length)).toEqualTypeOf<Promise<number[]>>();
  });

  it('keeps module function types', () => {
    const task = defineTask('file:///m.js', (s: string) => s.length > 2);
    expectTypeOf(parallelMap(['abc'], task)).toEqualTypeOf<Promise<boolean[]>>();
    const remote = fromModule<(n: number) => bigint>('file:///m.js', 'big');
    expectTypeOf(parallelMap([1], remote)).toEqualTypeOf<Promise<bigint[]>>();
  });

  it('rejects mismatched items and bad options at compile time', () => {
    // @ts-expect-error the function takes strings, the items are numbers
    void parallelMap([1, 2], (s: string) => s.length);
    // @ts-expect-error concurrency is a number
    void parallelMap([1], (x) => x, { concurrency: '2' });
    // @ts-expect-error unknown backend
    void parallelMap([1], (x) => x, { backend: 'gpu' });
  });
});
