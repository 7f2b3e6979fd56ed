// parallelStream(): a lazy, bounded map over iterables and async iterables. Results must equal a sequential
// map (in order, or as a multiset when unordered); reading never runs more than highWaterMark ahead of the
// consumer; leaving early stops reading, calls the source's return() and leaves no worker busy; failures carry
// positions. Runs on both backends.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { AbortError, Pool, TaskError, parallelMap, parallelStream, type ParallelStream } from 'weftjs';
import { shout } from '../fixtures/text-tasks.mjs';
import { itOnNative, itOnWorkers } from '../backend.js';
import { rejectionOf, seededRandom, sharedFlags } from '../helpers.js';

const pool = new Pool({ size: 2 });
afterAll(() => pool.terminate());

async function collect<R>(stream: AsyncIterable<R>): Promise<R[]> {
  const out: R[] = [];
  for await (const value of stream) out.push(value);
  return out;
}

async function* asyncItems<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** No map job left on any of the pool's workers, and no task running. */
async function noBusyWorker(on: Pool): Promise<boolean> {
  const workers = await on.workerPool();
  return workers.live().every((w) => w.jobs.size === 0 && w.retiring === 0) && on.stats.running === 0;
}

/** A source that counts its reads and notes whether its return() ran. */
function countingSource(limit = Infinity): { source: AsyncGenerator<number>; reads: () => number; returned: () => boolean } {
  let reads = 0;
  let returned = false;
  async function* gen(): AsyncGenerator<number> {
    try {
      while (reads < limit) yield reads++;
    } finally {
      returned = true;
    }
  }
  return { source: gen(), reads: () => reads, returned: () => returned };
}

describe('parallelStream: results', () => {
  it('equals a sequential map, in order and as a multiset, for random inputs, high-water marks and concurrencies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 150 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.boolean(),
        async (items, highWaterMark, concurrency, async, ordered) => {
          const source = async ? asyncItems(items) : items;
          const out = await collect(parallelStream(source, (x, i, ctx) => x * ctx.k + i, { context: { k: 3 }, highWaterMark, concurrency, ordered, pool }));
          const expected = items.map((x, i) => x * 3 + i);
          if (ordered) expect(out).toEqual(expected);
          else expect([...out].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
        },
      ),
      { numRuns: 30, seed: 0x5eed },
    );
  });

  it('runs async functions, and types results as their awaited values', async () => {
    const stream = parallelStream([1, 2, 3], async (x) => x * 2, { pool });
    expectTypeOf(stream).toEqualTypeOf<ParallelStream<number>>();
    expect(await collect(stream)).toEqual([2, 4, 6]);
  });

  it('gives results in completion order when unordered', async () => {
    // Item 0 waits until the consumer has received item 1: only completion order lets the stream end.
    const flags = sharedFlags(1);
    const stream = parallelStream(
      [0, 1],
      (x, _i, ctx) => {
        // A bounded spin (a native thread may not block in Atomics.wait).
        const deadline = Date.now() + 10_000;
        while (x === 0 && Atomics.load(ctx.flags, 0) === 0 && Date.now() < deadline) {
          /* wait for the consumer */
        }
        return x;
      },
      { ordered: false, context: { flags }, pool },
    );
    const first = await stream.next();
    expect(first).toEqual({ value: 1, done: false });
    Atomics.store(flags, 0, 1);
    Atomics.notify(flags, 0);
    expect(await stream.next()).toEqual({ value: 0, done: false });
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('runs at most concurrency batches at once', async () => {
    const counters = sharedFlags(2); // [running now, most seen]
    const items = Array.from({ length: 60 }, (_, i) => i);
    const out = await collect(
      parallelStream(
        items,
        (x, _i, ctx) => {
          const now = Atomics.add(ctx.counters, 0, 1) + 1;
          let most = Atomics.load(ctx.counters, 1);
          while (now > most && Atomics.compareExchange(ctx.counters, 1, most, now) !== most) most = Atomics.load(ctx.counters, 1);
          const end = Date.now() + 1;
          while (Date.now() < end) {
            /* about 1 ms of work */
          }
          Atomics.sub(ctx.counters, 0, 1);
          return x;
        },
        { concurrency: 1, context: { counters }, pool },
      ),
    );
    expect(out).toEqual(items);
    expect(Atomics.load(counters, 1)).toBe(1);
  });

  it('runs a module task, with context', async () => {
    expect(await collect(parallelStream(asyncItems(['a', 'b', 'c']), shout, { context: { suffix: '?' }, pool }))).toEqual(['A?', 'B?', 'C?']);
  });

  itOnNative('runs closures as they are on native threads', 'workers refuse captures', async () => {
    const offset = 100;
    expect(await collect(parallelStream([1, 2], (x) => x + offset))).toEqual([101, 102]);
  });
});

describe('parallelStream: backpressure and laziness', () => {
  it('never reads more than highWaterMark items ahead of the consumer, and does read ahead', async () => {
    const highWaterMark = 8;
    let consumed = 0;
    let reads = 0;
    let violation = '';
    let reachedBound: (() => void) | undefined;
    async function* source(): AsyncGenerator<number> {
      for (;;) {
        if (reads - consumed >= highWaterMark + 1) violation ||= `read item ${reads} with only ${consumed} consumed`;
        reads++;
        if (reads === consumed + highWaterMark) reachedBound?.();
        yield reads - 1;
      }
    }
    const stream = parallelStream(source(), (x) => x, { highWaterMark, pool });
    expect(reads).toBe(0); // lazy: nothing is read before the first next()
    const rng = seededRandom(7);
    for (let round = 0; round < 12; round++) {
      // Consume a random number of results, checking the bound at each.
      const take = 1 + Math.floor(rng() * 10);
      for (let k = 0; k < take; k++) {
        const { value } = await stream.next();
        consumed++;
        expect(value).toBe(consumed - 1);
        expect(reads).toBeLessThanOrEqual(consumed + highWaterMark);
      }
      // Handshake: the stream reads ahead until exactly the bound, then stops.
      if (reads < consumed + highWaterMark) await new Promise<void>((resolve) => (reachedBound = resolve));
      reachedBound = undefined;
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(reads).toBe(consumed + highWaterMark);
    }
    expect(violation).toBe('');
    await stream.return();
  });

  it('reads a synchronous endless generator lazily and stops at break, calling its return()', async () => {
    let reads = 0;
    let returned = false;
    function* endless(): Generator<number> {
      try {
        for (;;) yield reads++;
      } finally {
        returned = true;
      }
    }
    let sum = 0;
    for await (const x of parallelStream(endless(), (x) => x * 2, { highWaterMark: 16, pool })) {
      sum += x;
      if (x >= 200) break;
    }
    expect(sum).toBe(Array.from({ length: 101 }, (_, i) => i * 2).reduce((a, b) => a + b, 0));
    expect(returned).toBe(true);
    expect(reads).toBeLessThanOrEqual(101 + 16);
  });

  it('leaves no busy worker after break, and the pool stays usable', async () => {
    const { source, returned } = countingSource();
    const started = sharedFlags(1);
    let seen = 0;
    for await (const x of parallelStream(
      source,
      (x, _i, ctx) => {
        Atomics.add(ctx.started, 0, 1);
        const end = Date.now() + 2;
        while (Date.now() < end) {
          /* about 2 ms of work: batches are still running at the break */
        }
        return x;
      },
      { context: { started }, pool },
    )) {
      seen++;
      if (x === 20) break;
    }
    expect(seen).toBe(21);
    expect(returned()).toBe(true);
    expect(await noBusyWorker(pool)).toBe(true);
    expect(await pool.map([1, 2, 3], (x) => x * 10)).toEqual([10, 20, 30]);
    expect(await parallelMap([4, 5], (x) => x + 1)).toEqual([5, 6]);
  });

  it('return() settles the stream: later next() calls are done, and the source is told once', async () => {
    const { source, returned } = countingSource();
    const stream = parallelStream(source, (x) => x, { pool });
    expect(await stream.next()).toEqual({ value: 0, done: false });
    expect(await stream.return()).toEqual({ value: undefined, done: true });
    expect(returned()).toBe(true);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(await noBusyWorker(pool)).toBe(true);
  });

  it('serves concurrent next() calls in order', async () => {
    const stream = parallelStream(asyncItems([1, 2, 3, 4]), (x) => x, { pool });
    const results = await Promise.all([stream.next(), stream.next(), stream.next(), stream.next(), stream.next()]);
    expect(results.map((r) => r.value)).toEqual([1, 2, 3, 4, undefined]);
    expect(results[4]!.done).toBe(true);
  });
});

describe('parallelStream: failures', () => {
  it('ends with a TaskError at the failing item, after the earlier batches, and calls the source return()', async () => {
    const { source, returned } = countingSource();
    const out: number[] = [];
    const err = await rejectionOf<TaskError>(
      (async () => {
        for await (const x of parallelStream(
          source,
          (x) => {
            if (x === 137) throw new RangeError(`bad item ${x}`);
            return x;
          },
          { highWaterMark: 32, pool },
        ))
          out.push(x);
      })(),
    );
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(137);
    expect((err.cause as Error).name).toBe('RangeError');
    expect((err.cause as Error).message).toBe('bad item 137');
    // Ordered: a prefix of the results, up to the failing item's batch.
    expect(out).toEqual(Array.from({ length: out.length }, (_, i) => i));
    expect(out.length).toBeLessThanOrEqual(137);
    expect(returned()).toBe(true);
    expect(await noBusyWorker(pool)).toBe(true);
  });

  it('ends unordered streams with the failure too', async () => {
    const err = await rejectionOf<TaskError>(
      collect(parallelStream(asyncItems([1, 2, 3, 4, 5]), (x) => { if (x === 4) throw new Error('four'); return x; }, { ordered: false, pool })),
    );
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(3);
  });

  it('ends with a TaskError at the position the source failed at, after every result before it', async () => {
    const boom = new TypeError('cursor lost');
    async function* failing(): AsyncGenerator<number> {
      for (let i = 0; i < 50; i++) yield i;
      throw boom;
    }
    const out: number[] = [];
    const err = await rejectionOf<TaskError>(
      (async () => {
        for await (const x of parallelStream(failing(), (x) => x + 1, { pool })) out.push(x);
      })(),
    );
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(50);
    expect(err.cause).toBe(boom);
    expect(err.message).toContain('the source threw reading item 50');
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('aborts at once with an AbortError, stops the source and keeps the pool usable', async () => {
    const { source, returned } = countingSource();
    const controller = new AbortController();
    const stream = parallelStream(source, (x) => x, { signal: controller.signal, pool });
    expect((await stream.next()).value).toBe(0);
    controller.abort(new Error('enough'));
    const err = await rejectionOf<AbortError>(stream.next());
    expect(err).toBeInstanceOf(AbortError);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    // Cleanup goes on in the background; return() settles once the source was told and every batch stopped.
    expect(await stream.return()).toEqual({ value: undefined, done: true });
    expect(returned()).toBe(true);
    expect(await noBusyWorker(pool)).toBe(true);
    expect(await pool.map([1], (x) => x)).toEqual([1]);
  });

  it('rejects the first next() when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const stream = parallelStream([1], (x) => x, { signal: controller.signal, pool });
    expect(await rejectionOf(stream.next())).toBeInstanceOf(AbortError);
  });
});

describe('parallelStream: what a source gives', () => {
  itOnWorkers('ends with a TypeError naming an item that cannot be sent, by its position', 'native threads share items', async () => {
    const err = await rejectionOf(collect(parallelStream(asyncItems<unknown>([1, 2, () => 3]), (x) => x, { pool })));
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/the item at index 2 cannot be sent to a worker/);
  });

  it('ends with a TaskError when next() gives something that is not an iterator result', async () => {
    const broken = { [Symbol.asyncIterator]: () => ({ next: async () => 42 }) } as unknown as AsyncIterable<number>;
    const err = await rejectionOf<TaskError>(collect(parallelStream(broken, (x) => x, { pool })));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(0);
    expect((err.cause as Error).message).toMatch(/gave a number \(42\), not an iterator result/);
  });
});

describe('parallelStream: bad input, at the call', () => {
  it('refuses bad arguments, naming what was wrong and what was received', () => {
    const fn = (x: number) => x;
    expect(() => parallelStream(42 as never, fn)).toThrow(/source must be an iterable or an async iterable, received a number \(42\)/);
    expect(() => parallelStream(null as never, fn)).toThrow(TypeError);
    expect(() => parallelStream([1], 'f' as never)).toThrow(/fn must be a function, received a string/);
    expect(() => parallelStream([1], fn, null as never)).toThrow(/options must be an object, received null/);
    expect(() => parallelStream([1], fn, { highWaterMark: 0 })).toThrow(RangeError);
    expect(() => parallelStream([1], fn, { highWaterMark: 0 })).toThrow(/highWaterMark must be an integer >= 1, received 0/);
    expect(() => parallelStream([1], fn, { highWaterMark: '8' as never })).toThrow(TypeError);
    expect(() => parallelStream([1], fn, { concurrency: 1.5 })).toThrow(/concurrency must be an integer >= 1, received 1.5/);
    expect(() => parallelStream([1], fn, { ordered: 'yes' as never })).toThrow(/ordered must be a boolean, received a string/);
    expect(() => parallelStream([1], fn, { signal: {} as never })).toThrow(/signal must be an AbortSignal/);
    expect(() => parallelStream([1], fn, { pool: {} as never })).toThrow(/pool must be a Pool/);
    expect(() => parallelStream([1], fn, { pool, backend: 'workers' })).toThrow(/either pool or backend/);
    expect(() => parallelStream([1], fn, { backend: 'gpu' as never })).toThrow(RangeError);
  });

  itOnWorkers('refuses a function that captures, naming the variable, and a context that cannot be cloned', 'native threads run closures and share the context', () => {
    const factor = 3;
    expect(() => parallelStream([1], (x) => x * factor, { pool })).toThrow(/factor/);
    expect(() => parallelStream([1], (x) => x, { context: { f: () => 1 }, pool })).toThrow(/context must be structured-cloneable/);
  });
});

describe('parallelStream: Node streams and web streams', () => {
  it('feeds Readable.from', async () => {
    const readable = Readable.from(parallelStream(asyncItems(['a', 'bb', 'ccc']), (s) => s.length, { pool }));
    expect(await readable.toArray()).toEqual([1, 2, 3]);
  });

  it('runs as a stage of stream.pipeline, and pipeline errors reach the caller', async () => {
    const lines = Readable.from(Array.from({ length: 300 }, (_, i) => `line ${i}`));
    const seen: number[] = [];
    await pipeline(
      lines,
      (source: AsyncIterable<string>) => parallelStream(source, (line) => Number(line.split(' ')[1]) * 2, { pool }),
      new Writable({
        objectMode: true,
        write(value: number, _encoding, callback) {
          seen.push(value);
          callback();
        },
      }),
    );
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i * 2));
    const err = await rejectionOf(
      pipeline(
        Readable.from([1, 2, 3]),
        (source: AsyncIterable<number>) => parallelStream(source, (x) => { if (x === 2) throw new Error('two'); return x; }, { pool }),
        new Writable({ objectMode: true, write: (_v, _e, callback) => callback() }),
      ),
    );
    expect(err).toBeInstanceOf(TaskError);
  });

  it('feeds ReadableStream.from, and cancelling it calls the source return()', async () => {
    const from = (ReadableStream as unknown as { from?: <T>(it: AsyncIterable<T>) => ReadableStream<T> }).from;
    if (from === undefined) return; // this runtime has no ReadableStream.from (Node 20.5 and later do)
    const all = from(parallelStream([1, 2, 3], (x) => x * x, { pool }));
    const values: number[] = [];
    for await (const v of all as unknown as AsyncIterable<number>) values.push(v);
    expect(values).toEqual([1, 4, 9]);
    const { source, returned } = countingSource();
    const reader = from(parallelStream(source, (x) => x, { pool })).getReader();
    expect((await reader.read()).value).toBe(0);
    await reader.cancel();
    expect(returned()).toBe(true);
    expect(await noBusyWorker(pool)).toBe(true);
  });
});

describe('parallelStream: the default pool', () => {
  it('runs without a pool option', async () => {
    expect(await collect(parallelStream(asyncItems([1, 2, 3]), (x) => x * 2))).toEqual([2, 4, 6]);
  });
});
