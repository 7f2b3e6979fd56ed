// parallelStream with what only Node (and vitest) has: the fast-check property against a sequential map on
// generated inputs, and Node's streams (Readable.from, stream.pipeline). Both vitest projects run it. The
// portable suite (runtime-tests/src/suites/parallel-stream.mjs) checks the rest on every runtime.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { Pool, TaskError, parallelStream, type ParallelStream } from 'weftjs';
import { rejectionOf } from '../../helpers.js';

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

describe('parallelStream: property', () => {
  it('equals a sequential map, in order and as a multiset, for generated inputs, high-water marks and concurrencies', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 150 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.boolean(),
        async (items, highWaterMark, concurrency, async, ordered) => {
          const source = async ? asyncItems(items) : items;
          const stream = parallelStream(source, (x, i, ctx) => x * ctx.k + i, { context: { k: 3 }, highWaterMark, concurrency, ordered, pool });
          expectTypeOf(stream).toEqualTypeOf<ParallelStream<number>>();
          const out = await collect(stream);
          const expected = items.map((x, i) => x * 3 + i);
          if (ordered) expect(out).toEqual(expected);
          else expect([...out].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
        },
      ),
      { numRuns: 30, seed: 0x5eed },
    );
  }, 120_000);
});

describe('parallelStream: Node streams', () => {
  it('feeds Readable.from', async () => {
    const readable = Readable.from(parallelStream(asyncItems(['a', 'bb', 'ccc']), (s) => s.length, { pool }));
    expect(await readable.toArray()).toEqual([1, 2, 3]);
  });

  it('runs as a stage of stream.pipeline, and its errors reach the caller', async () => {
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
        (source: AsyncIterable<number>) =>
          parallelStream(source, (x) => {
            if (x === 2) throw new Error('two');
            return x;
          }, { pool }),
        new Writable({ objectMode: true, write: (_v, _e, callback) => callback() }),
      ),
    );
    expect(err).toBeInstanceOf(TaskError);
  });
});

describe('parallelStream: sources that emit on their own', () => {
  it("reads every line of a file through readline's interface, in a fresh process whose backend starts during the read", async () => {
    // A process of its own: here the backend is already loaded, and starting it is what took the event-loop
    // turns during which readline emitted lines nobody listened to yet (a lazily opened source lost 63% of them).
    const { execFile } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const script = fileURLToPath(new URL('../../fixtures/readline-stream.mjs', import.meta.url));
    const stdout = await new Promise<string>((resolve, reject) =>
      // The workers backend in both projects: the shim that the native project installs is not in that process.
      execFile(process.execPath, [script], { timeout: 30_000, env: { ...process.env, WEFT_BACKEND: 'workers' } }, (err, out) => (err ? reject(err) : resolve(out))),
    );
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ lines: 10_000, words: 50_000 });
  });
});
