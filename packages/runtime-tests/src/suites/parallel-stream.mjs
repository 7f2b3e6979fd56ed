// parallelStream: results against a sequential map, the high-water mark, early exit, failures with positions,
// bad input, and ReadableStream.from where the runtime has it.
import { AbortError, TaskError, parallelMap, parallelStream } from 'weftjs';
import { describe, expect, it, rejectionOf, seededRandom } from '../harness.mjs';

async function collect(stream) {
  const out = [];
  for await (const value of stream) out.push(value);
  return out;
}

async function* asyncItems(items) {
  for (const item of items) yield item;
}

describe('parallelStream', () => {
  it('equals a sequential map for seeded random inputs, ordered and unordered', async () => {
    const rand = seededRandom(11);
    for (let round = 0; round < 6; round++) {
      const items = Array.from({ length: Math.floor(rand() * 120) }, () => Math.floor(rand() * 1000) - 500);
      const highWaterMark = 1 + Math.floor(rand() * 32);
      const expected = items.map((x, i) => x * 3 + i);
      const ordered = await collect(parallelStream(round % 2 ? asyncItems(items) : items, (x, i, ctx) => x * ctx.k + i, { context: { k: 3 }, highWaterMark }));
      expect(ordered).toEqual(expected);
      const unordered = await collect(parallelStream(asyncItems(items), (x, i) => x * 3 + i, { ordered: false, highWaterMark }));
      expect(unordered.sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
    }
  });

  it('never reads more than highWaterMark ahead, stops an endless generator at break and calls its return()', async () => {
    let reads = 0;
    let consumed = 0;
    let worst = 0;
    let returned = false;
    async function* endless() {
      try {
        for (;;) yield reads++;
      } finally {
        returned = true;
      }
    }
    for await (const x of parallelStream(endless(), (x) => x * 2, { highWaterMark: 16 })) {
      consumed++;
      expect(x).toBe((consumed - 1) * 2);
      // Read but not yet consumed: at most the high-water mark.
      worst = Math.max(worst, reads - consumed);
      if (consumed === 300) break;
    }
    expect(worst <= 16).toBe(true);
    expect(worst).toBeGreaterThan(0); // it does read ahead
    expect(returned).toBe(true);
    // The pool is still usable.
    expect(await parallelMap([1, 2], (x) => x + 1, { inline: 'never' })).toEqual([2, 3]);
  });

  it('ends with a TaskError at the failing item, and at the position a source failed', async () => {
    const err = await rejectionOf(collect(parallelStream(asyncItems([1, 2, 3, 4]), (x) => {
      if (x === 3) throw new RangeError('three');
      return x;
    })));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(2);
    expect(err.cause.message).toBe('three');
    async function* failing() {
      yield 1;
      yield 2;
      throw new Error('cursor lost');
    }
    const out = [];
    const sourceErr = await rejectionOf((async () => {
      for await (const x of parallelStream(failing(), (x) => x)) out.push(x);
    })());
    expect(sourceErr).toBeInstanceOf(TaskError);
    expect(sourceErr.index).toBe(2);
    expect(sourceErr.cause.message).toBe('cursor lost');
    expect(out).toEqual([1, 2]);
  });

  it('aborts with an AbortError', async () => {
    const controller = new AbortController();
    const stream = parallelStream(asyncItems([1, 2, 3]), (x) => x, { signal: controller.signal });
    expect((await stream.next()).value).toBe(1);
    controller.abort();
    expect(await rejectionOf(stream.next())).toBeInstanceOf(AbortError);
    await stream.return();
  });

  it('refuses bad input at the call', () => {
    expect(() => parallelStream(7, (x) => x)).toThrow(/source must be an iterable or an async iterable, received a number \(7\)/);
    expect(() => parallelStream([1], (x) => x, { highWaterMark: 0 })).toThrow(RangeError);
    const k = 2;
    expect(() => parallelStream([1], (x) => x * k)).toThrow(/\bk\b/);
  });

  it('feeds ReadableStream.from', async () => {
    if (typeof ReadableStream.from !== 'function') return; // not in this runtime
    const reader = ReadableStream.from(parallelStream([1, 2, 3], (x) => x * x)).getReader();
    const values = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) values.push(r.value);
    expect(values).toEqual([1, 4, 9]);
  });
});
