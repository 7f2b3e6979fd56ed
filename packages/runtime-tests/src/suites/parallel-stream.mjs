// parallelStream(): a lazy, bounded map over iterables and async iterables. Results must equal a sequential
// map (in order, or as a multiset when unordered); reading never runs more than highWaterMark ahead of the
// consumer; leaving early stops reading, calls the source's return() and leaves no worker busy; failures carry
// positions. The fast-check property and Node's streams (Readable.from, pipeline) are in
// weft/test/conformance/node-only/parallel-stream.node.test.ts.
import { AbortError, Pool, TaskError, parallelMap, parallelStream } from 'weftjs';
import { shout } from '../../../weft/test/fixtures/text-tasks.mjs';
import { describe, expect, it, nativeOnly, rejectionOf, seededRandom, sharedFlags, turns, workersOnly } from '../harness.mjs';

let shared;
/** A pool of two for the tests that look at its workers. */
const pool = () => (shared ??= new Pool({ size: 2 }));

async function collect(stream) {
  const out = [];
  for await (const value of stream) out.push(value);
  return out;
}

async function* asyncItems(items) {
  for (const item of items) yield item;
}

/** No map job left on any of the pool's workers, and no task running. */
async function noBusyWorker(on) {
  const workers = await on.workerPool();
  return workers.live().every((w) => w.jobs.size === 0 && w.retiring === 0) && on.stats.running === 0;
}

/** An endless source that counts its reads and notes whether its return() ran. */
function countingSource() {
  let reads = 0;
  let returned = false;
  async function* gen() {
    try {
      for (;;) yield reads++;
    } finally {
      returned = true;
    }
  }
  return { source: gen(), reads: () => reads, returned: () => returned };
}

describe('parallelStream: results', () => {
  it('equals a sequential map for seeded random inputs, high-water marks and concurrencies, ordered and unordered', async () => {
    const rand = seededRandom(11);
    for (let round = 0; round < 8; round++) {
      const items = Array.from({ length: Math.floor(rand() * 120) }, () => Math.floor(rand() * 1000) - 500);
      const highWaterMark = 1 + Math.floor(rand() * 32);
      const concurrency = 1 + Math.floor(rand() * 3);
      const expected = items.map((x, i) => x * 3 + i);
      const ordered = await collect(parallelStream(round % 2 ? asyncItems(items) : items, (x, i, ctx) => x * ctx.k + i, { context: { k: 3 }, highWaterMark, concurrency }));
      expect(ordered).toEqual(expected);
      const unordered = await collect(parallelStream(asyncItems(items), (x, i) => x * 3 + i, { ordered: false, highWaterMark, concurrency }));
      expect(unordered.sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
    }
    // Sixteen streams: Deno runs small jobs far slower than Node (docs/runtimes.md), so a longer bound.
  }, { timeout: 120_000 });

  it('runs async functions', async () => {
    expect(await collect(parallelStream([1, 2, 3], async (x) => x * 2))).toEqual([2, 4, 6]);
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
      { ordered: false, context: { flags }, pool: pool() },
    );
    expect(await stream.next()).toEqual({ value: 1, done: false });
    Atomics.store(flags, 0, 1);
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
        { concurrency: 1, context: { counters }, pool: pool() },
      ),
    );
    expect(out).toEqual(items);
    expect(Atomics.load(counters, 1)).toBe(1);
  });

  it('runs a module task, with context', async () => {
    expect(await collect(parallelStream(asyncItems(['a', 'b', 'c']), shout, { context: { suffix: '?' } }))).toEqual(['A?', 'B?', 'C?']);
  });

  it('runs closures as they are on native threads', async () => {
    let offset = 100;
    expect(await collect(parallelStream([1, 2], (x) => x + offset))).toEqual([101, 102]);
  }, { skip: nativeOnly('workers refuse captures') });

  it('feeds ReadableStream.from, and cancelling it calls the source return()', async () => {
    if (typeof ReadableStream.from !== 'function') return; // not in this runtime
    const reader = ReadableStream.from(parallelStream([1, 2, 3], (x) => x * x)).getReader();
    const values = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) values.push(r.value);
    expect(values).toEqual([1, 4, 9]);
    const { source, returned } = countingSource();
    const cancelled = ReadableStream.from(parallelStream(source, (x) => x, { pool: pool() })).getReader();
    expect((await cancelled.read()).value).toBe(0);
    await cancelled.cancel();
    expect(returned()).toBe(true);
    expect(await noBusyWorker(pool())).toBe(true);
  });
});

describe('parallelStream: backpressure and early exit', () => {
  it('never reads more than highWaterMark ahead of the consumer, and does read ahead', async () => {
    const highWaterMark = 8;
    let consumed = 0;
    let reads = 0;
    let reachedBound;
    async function* source() {
      for (;;) {
        reads++;
        if (reads === consumed + highWaterMark) reachedBound?.();
        yield reads - 1;
      }
    }
    const stream = parallelStream(source(), (x) => x, { highWaterMark });
    expect(reads).toBe(0); // lazy: nothing is read before the first next()
    const rng = seededRandom(7);
    for (let round = 0; round < 12; round++) {
      const take = 1 + Math.floor(rng() * 10);
      for (let k = 0; k < take; k++) {
        const { value } = await stream.next();
        consumed++;
        expect(value).toBe(consumed - 1);
        expect(reads).toBeLessThanOrEqual(consumed + highWaterMark);
      }
      // Handshake: the stream reads ahead until exactly the bound, then stops there.
      if (reads < consumed + highWaterMark) await new Promise((resolve) => (reachedBound = resolve));
      reachedBound = undefined;
      await turns(5);
      expect(reads).toBe(consumed + highWaterMark);
    }
    await stream.return();
  });

  it('reads a synchronous endless generator lazily and stops at break, calling its return()', async () => {
    let reads = 0;
    let returned = false;
    function* endless() {
      try {
        for (;;) yield reads++;
      } finally {
        returned = true;
      }
    }
    let sum = 0;
    for await (const x of parallelStream(endless(), (x) => x * 2, { highWaterMark: 16 })) {
      sum += x;
      if (x >= 200) break;
    }
    expect(sum).toBe(101 * 100); // 2 * (0 + 1 + ... + 100)
    expect(returned).toBe(true);
    expect(reads).toBeLessThanOrEqual(101 + 16);
  });

  it('leaves no busy worker after break, and the pool stays usable', async () => {
    const { source, returned } = countingSource();
    let seen = 0;
    for await (const x of parallelStream(
      source,
      (x) => {
        const end = Date.now() + 2;
        while (Date.now() < end) {
          /* about 2 ms of work: batches are still running at the break */
        }
        return x;
      },
      { pool: pool() },
    )) {
      seen++;
      if (x === 20) break;
    }
    expect(seen).toBe(21);
    expect(returned()).toBe(true);
    expect(await noBusyWorker(pool())).toBe(true);
    expect(await pool().map([1, 2, 3], (x) => x * 10)).toEqual([10, 20, 30]);
    expect(await parallelMap([4, 5], (x) => x + 1, { inline: 'never' })).toEqual([5, 6]);
  });

  it('return() settles the stream: later next() calls are done, and the source is told once', async () => {
    const { source, returned } = countingSource();
    const stream = parallelStream(source, (x) => x, { pool: pool() });
    expect(await stream.next()).toEqual({ value: 0, done: false });
    expect(await stream.return()).toEqual({ value: undefined, done: true });
    expect(returned()).toBe(true);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    expect(await noBusyWorker(pool())).toBe(true);
  });

  it('serves concurrent next() calls in order', async () => {
    const stream = parallelStream(asyncItems([1, 2, 3, 4]), (x) => x);
    const results = await Promise.all([stream.next(), stream.next(), stream.next(), stream.next(), stream.next()]);
    expect(results.map((r) => r.value)).toEqual([1, 2, 3, 4, undefined]);
    expect(results[4].done).toBe(true);
  });
});

describe('parallelStream: failures', () => {
  it('ends with a TaskError at the failing item, after the earlier batches, and calls the source return()', async () => {
    const { source, returned } = countingSource();
    const out = [];
    const err = await rejectionOf((async () => {
      for await (const x of parallelStream(source, (x) => {
        if (x === 137) throw new RangeError(`bad item ${x}`);
        return x;
      }, { highWaterMark: 32, pool: pool() })) out.push(x);
    })());
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(137);
    expect(err.cause.name).toBe('RangeError');
    expect(err.cause.message).toBe('bad item 137');
    // Ordered: a prefix of the results, up to the failing item's batch.
    expect(out).toEqual(Array.from({ length: out.length }, (_, i) => i));
    expect(out.length).toBeLessThanOrEqual(137);
    expect(returned()).toBe(true);
    expect(await noBusyWorker(pool())).toBe(true);
  });

  it('ends unordered streams with the failure too', async () => {
    const err = await rejectionOf(collect(parallelStream(asyncItems([1, 2, 3, 4, 5]), (x) => {
      if (x === 4) throw new Error('four');
      return x;
    }, { ordered: false })));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(3);
  });

  it('ends with a TaskError at the position the source failed at, after every result before it', async () => {
    const boom = new TypeError('cursor lost');
    async function* failing() {
      for (let i = 0; i < 50; i++) yield i;
      throw boom;
    }
    const out = [];
    const err = await rejectionOf((async () => {
      for await (const x of parallelStream(failing(), (x) => x + 1)) out.push(x);
    })());
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(50);
    expect(err.cause).toBe(boom);
    expect(err.message).toContain('the source threw reading item 50');
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('ends with a TaskError when next() gives something that is not an iterator result', async () => {
    const broken = { [Symbol.asyncIterator]: () => ({ next: async () => 42 }) };
    const err = await rejectionOf(collect(parallelStream(broken, (x) => x)));
    expect(err).toBeInstanceOf(TaskError);
    expect(err.index).toBe(0);
    expect(err.cause.message).toMatch(/gave a number \(42\), not an iterator result/);
  });

  it('ends with a TypeError naming an item that cannot be sent, by its position', async () => {
    const err = await rejectionOf(collect(parallelStream(asyncItems([1, 2, () => 3]), (x) => x)));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toMatch(/the item at index 2 cannot be sent to a worker/);
  }, { skip: workersOnly('native threads share items') });

  it('aborts at once with an AbortError, stops the source and keeps the pool usable', async () => {
    const { source, returned } = countingSource();
    const controller = new AbortController();
    const stream = parallelStream(source, (x) => x, { signal: controller.signal, pool: pool() });
    expect((await stream.next()).value).toBe(0);
    controller.abort(new Error('enough'));
    expect(await rejectionOf(stream.next())).toBeInstanceOf(AbortError);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    // Cleanup goes on in the background; return() settles once the source was told and every batch stopped.
    expect(await stream.return()).toEqual({ value: undefined, done: true });
    expect(returned()).toBe(true);
    expect(await noBusyWorker(pool())).toBe(true);
    expect(await pool().map([1], (x) => x)).toEqual([1]);
  });

  it('rejects the first next() when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await rejectionOf(parallelStream([1], (x) => x, { signal: controller.signal }).next())).toBeInstanceOf(AbortError);
  });
});

describe('parallelStream: bad input, at the call', () => {
  it('refuses bad arguments, naming what was wrong and what was received', () => {
    const fn = (x) => x;
    expect(() => parallelStream(42, fn)).toThrow(/source must be an iterable or an async iterable, received a number \(42\)/);
    expect(() => parallelStream(null, fn)).toThrow(TypeError);
    expect(() => parallelStream([1], 'f')).toThrow(/fn must be a function, received a string/);
    expect(() => parallelStream([1], fn, null)).toThrow(/options must be an object, received null/);
    expect(() => parallelStream([1], fn, { highWaterMark: 0 })).toThrow(RangeError);
    expect(() => parallelStream([1], fn, { highWaterMark: 0 })).toThrow(/highWaterMark must be an integer >= 1, received 0/);
    expect(() => parallelStream([1], fn, { highWaterMark: '8' })).toThrow(TypeError);
    expect(() => parallelStream([1], fn, { concurrency: 1.5 })).toThrow(/concurrency must be an integer >= 1, received 1.5/);
    expect(() => parallelStream([1], fn, { ordered: 'yes' })).toThrow(/ordered must be a boolean, received a string/);
    expect(() => parallelStream([1], fn, { signal: {} })).toThrow(/signal must be an AbortSignal/);
    expect(() => parallelStream([1], fn, { pool: {} })).toThrow(/pool must be a Pool/);
    expect(() => parallelStream([1], fn, { pool: pool(), backend: 'workers' })).toThrow(/either pool or backend/);
    expect(() => parallelStream([1], fn, { backend: 'gpu' })).toThrow(RangeError);
  });

  it('refuses a function that captures, naming the variable, and a context that cannot be cloned', () => {
    // `let`, not `const`: Bun's transpiler inlines const primitives into the function.
    let factor = 3;
    expect(() => parallelStream([1], (x) => x * factor)).toThrow(/factor/);
    expect(() => parallelStream([1], (x) => x, { context: { s: Symbol('not cloneable') } })).toThrow(/context must be structured-cloneable/);
  }, { skip: workersOnly('native threads run closures and share the context') });

  it('leaves the pool it was given usable (closes it last)', async () => {
    expect(await collect(parallelStream([1, 2], (x) => -x, { pool: pool() }))).toEqual([-1, -2]);
    await pool().close();
    shared = undefined;
  });
});
