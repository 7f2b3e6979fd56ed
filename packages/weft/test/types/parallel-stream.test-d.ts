import { describe, expectTypeOf, it } from 'vitest';
import { parallelStream, type ParallelStream } from 'weftjs';

describe('parallelStream types', () => {
  it('infers item, index, context and awaited result types', async () => {
    async function* lines(): AsyncGenerator<string> {
      yield 'a b';
    }
    const stream = parallelStream(lines(), async (line, i, ctx) => {
      expectTypeOf(line).toEqualTypeOf<string>();
      expectTypeOf(i).toEqualTypeOf<number>();
      expectTypeOf(ctx).toEqualTypeOf<{ sep: string }>();
      return line.split(ctx.sep).length;
    }, { context: { sep: ' ' } });
    expectTypeOf(stream).toEqualTypeOf<ParallelStream<number>>();
    expectTypeOf(stream.next()).toEqualTypeOf<Promise<IteratorResult<number, undefined>>>();
    expectTypeOf(stream.return()).toEqualTypeOf<Promise<IteratorResult<number, undefined>>>();
    for await (const n of parallelStream(new Set([1, 2]), (x) => `${x}`)) expectTypeOf(n).toEqualTypeOf<string>();
  });

  it('refuses what does not type-check', () => {
    // @ts-expect-error: a number is not a source
    parallelStream(42, (x: number) => x);
    // @ts-expect-error: highWaterMark is a number
    parallelStream([1], (x) => x, { highWaterMark: '8' });
    // @ts-expect-error: ordered is a boolean
    parallelStream([1], (x) => x, { ordered: 'yes' });
    // @ts-expect-error: the context has no such property
    parallelStream([1], (x, _i, ctx) => x + ctx.missing, { context: { k: 1 } });
  });
});
