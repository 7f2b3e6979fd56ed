import { describe, expect, it } from 'vitest';
import { parallelMap } from 'weftjs';
import { itOnWorkers } from '../backend.js';

describe('parallelMap: bad input is refused at the call', () => {
  it('items that are not iterable or array-like', () => {
    expect(() => parallelMap(42 as never, (x) => x)).toThrow(TypeError);
    expect(() => parallelMap(42 as never, (x) => x)).toThrow('items must be an iterable or an array-like object, received a number (42)');
    expect(() => parallelMap(null as never, (x) => x)).toThrow('received null');
    expect(() => parallelMap(undefined as never, (x) => x)).toThrow('received undefined');
  });

  it('fn that is not a function', () => {
    expect(() => parallelMap([1], 'x => x' as never)).toThrow(new TypeError('parallelMap: fn must be a function, received a string ("x => x")'));
  });

  itOnWorkers('functions that capture outer variables, named in the message', 'native threads run closures as they are, captures included', () => {
    const factor = 3;
    const offset = 1;
    expect(() => parallelMap([1], (x) => x * factor + offset)).toThrow(TypeError);
    expect(() => parallelMap([1], (x) => x * factor + offset)).toThrow(/factor/);
    expect(() => parallelMap([1], (x) => x * factor + offset)).toThrow(/offset/);
    expect(() => parallelMap([1], (x) => x * factor + offset)).toThrow(/context/);
  });

  itOnWorkers('functions that cannot be sent: native, bound, methods using this', 'native threads call any function; nothing is sent', () => {
    expect(() => parallelMap([1], Math.abs)).toThrow(TypeError);
    expect(() => parallelMap([1], ((x: number) => x).bind(null))).toThrow(TypeError);
    class Scaler {
      k = 2;
      scale(x: number) {
        return x * this.k;
      }
    }
    expect(() => parallelMap([1], new Scaler().scale)).toThrow(/this/);
  });

  it('bad concurrency and chunkSize', () => {
    expect(() => parallelMap([1], (x) => x, { concurrency: 0 })).toThrow(new RangeError('parallelMap: concurrency must be an integer >= 1, received 0'));
    expect(() => parallelMap([1], (x) => x, { concurrency: Number.NaN })).toThrow(RangeError);
    expect(() => parallelMap([1], (x) => x, { concurrency: 1.5 })).toThrow(RangeError);
    expect(() => parallelMap([1], (x) => x, { concurrency: '2' as never })).toThrow(new TypeError('parallelMap: concurrency must be an integer, received a string ("2")'));
    expect(() => parallelMap([1], (x) => x, { chunkSize: -1 })).toThrow(new RangeError('parallelMap: chunkSize must be an integer >= 1, received -1'));
  });

  it('bad signal, onProgress, backend, inline, options', () => {
    expect(() => parallelMap([1], (x) => x, { signal: {} as never })).toThrow(/signal must be an AbortSignal/);
    expect(() => parallelMap([1], (x) => x, { onProgress: 1 as never })).toThrow(/onProgress must be a function/);
    expect(() => parallelMap([1], (x) => x, { backend: 'gpu' as never })).toThrow(RangeError);
    expect(() => parallelMap([1], (x) => x, { inline: 'always' as never })).toThrow(RangeError);
    expect(() => parallelMap([1], (x) => x, 5 as never)).toThrow(/options must be an object/);
  });

  itOnWorkers('a context that cannot be cloned', 'native threads get the context object itself; nothing is cloned', () => {
    expect(() => parallelMap([1], (x) => x, { context: { f: () => 1 } as never })).toThrow(/context must be structured-cloneable/);
  });

  itOnWorkers('items that cannot be cloned reject with the index, and nothing hangs', 'native threads share items by identity; nothing is cloned', async () => {
    const err = await parallelMap([1, 2, Symbol('s')], (x) => x, { inline: 'never' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toContain('index 2');
    expect(await parallelMap([1, 2], (x) => x, { inline: 'never' })).toEqual([1, 2]);
  });

  it('WEFT_BACKEND with a bad value', () => {
    const before = process.env.WEFT_BACKEND;
    process.env.WEFT_BACKEND = 'fast';
    try {
      expect(() => parallelMap([1], (x) => x)).toThrow(/WEFT_BACKEND must be 'auto', 'workers' or 'native', received "fast"/);
    } finally {
      if (before === undefined) delete process.env.WEFT_BACKEND;
      else process.env.WEFT_BACKEND = before;
    }
  });
});
