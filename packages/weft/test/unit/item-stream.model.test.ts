// Items streamed through a bounded ring (backend/item-stream.ts, node-block-codec.ts): real workers claim
// and read a job's items while the caller refills a ring far smaller than the items, and every item must
// be read exactly once, whole. Seeded items and job shapes (`WEFT_MODEL_SEED=<base>` reruns them); the
// interleaving is the machine's. A round whose workers or producer stop making progress fails at its bound.
import * as v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createItemStream } from '../../src/backend/item-stream.js';
import { blockDecoder, blockEncoder } from '../../src/backend/block-codec.js';
import { MapControl } from '../../src/protocol.js';
import { bundledFixture, seededRandom, within } from '../helpers.js';
import { digest } from '../fixtures/item-stream-digest.js';
import { MODEL_SEED } from './pool/model-workers.js';

const PIECES = ['a', 'item ', 'é', '€', '😀', '\uFEFF', ' ', 'z'];

/** Seeded items in runs of one kind: strings (some with a lone surrogate), numbers, plain objects, and one string larger than the ring. */
function makeItems(seed: number, count: number, huge: number): unknown[] {
  const random = seededRandom(seed);
  const items: unknown[] = [];
  while (items.length < count) {
    const kind = Math.floor(random() * 4);
    const run = 1 + Math.floor(random() * 20);
    for (let k = 0; k < run && items.length < count; k++) {
      if (kind === 0 || kind === 1) {
        let s = '';
        const pieces = Math.floor(random() * 60);
        for (let p = 0; p < pieces; p++) s += PIECES[Math.floor(random() * PIECES.length)];
        if (kind === 1 && random() < 0.2) s += '\ud800'; // not well-formed: its block goes through the serializer
        items.push(s);
      } else if (kind === 2) {
        const special = [-0, NaN, Infinity, -Infinity, 2 ** 53, 0.1];
        items.push(random() < 0.3 ? special[Math.floor(random() * special.length)] : (random() - 0.5) * 1e6);
      } else {
        items.push({ n: Math.floor(random() * 1000), s: 'x'.repeat(Math.floor(random() * 10)) });
      }
    }
  }
  items[huge] = 'H'.repeat(20_000); // 20 kB: the 4 kB ring must grow for its block
  return items;
}

const encode = blockEncoder((block) => v8.serialize(block));
const decode = blockDecoder(() => (bytes) => v8.deserialize(bytes) as unknown[]);

describe('block codec', () => {
  it('strings, numbers and anything else come back as they went, each block in the form that fits it', () => {
    const blocks: unknown[][] = [
      ['', 'plain', '\uFEFFstarts with a BOM', 'é€😀', 'x'.repeat(1000)],
      [0, -0, NaN, Infinity, -Infinity, 2 ** 53 + 2, -1.5e-300],
      ['fine', 'lone \ud800 surrogate'],
      ['mixed', 1, { a: [1, 2] }, null, undefined, 10n],
    ];
    const tags: number[] = [];
    for (const block of blocks) {
      const encoded = encode(block, 0, block.length);
      const target = new Uint8Array(new SharedArrayBuffer(encoded.bound + 16), 16);
      const written = encoded.write(target);
      expect(written).toBeLessThanOrEqual(encoded.bound);
      tags.push(target[0]!);
      const back = decode(target.subarray(0, written));
      expect(back.length).toBe(block.length);
      Array.from(back).forEach((value, i) => expect(Object.is(value, block[i]) || JSON.stringify(value) === JSON.stringify(block[i])).toBe(true));
    }
    expect(tags).toEqual([1, 2, 3, 3]); // strings, numbers, serialized (a lone surrogate), serialized (mixed)
  });

  it('encodes a range of the items without copying the rest', () => {
    const items = ['a', 'b', 'c', 'd'];
    const encoded = encode(items, 1, 3);
    const target = new Uint8Array(encoded.bound);
    expect(decode(target.subarray(0, encoded.write(target)))).toEqual(['b', 'c']);
  });
});

interface Round {
  readonly seed: number;
  readonly count: number;
  readonly from: number;
  readonly blockSize: number;
  readonly fixedChunk: number;
  readonly participants: number;
}

/** Start `participants` workers over a stream of `items`, refill the ring until every block is written, and collect what they read. */
async function runRound(round: Round, items: unknown[], stopAfterFirstFill = false) {
  const stream = createItemStream(items, round.from, round.blockSize, encode, 4096);
  const control = new Int32Array(new SharedArrayBuffer(MapControl.Length * 4));
  control[MapControl.Next] = round.from;
  const seen = new Int32Array(new SharedArrayBuffer(items.length * 4));
  const digests = new Float64Array(new SharedArrayBuffer(items.length * 8));
  const code = await bundledFixture('item-stream-worker.ts');
  stream.fill(round.from);
  const workers = Array.from(
    { length: round.participants },
    () =>
      new Worker(code, {
        eval: true,
        workerData: { shared: stream.shared, control, seen, digests, total: items.length, fixedChunk: round.fixedChunk, participants: round.participants },
      }),
  );
  const outcomes = Promise.all(
    workers.map(
      (worker, i) =>
        new Promise<string>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`seed ${round.seed}: worker ${i} exited with ${code} before reporting`)));
        }),
    ),
  );
  try {
    const deadline = Date.now() + 20_000;
    if (stopAfterFirstFill) {
      // Once the workers have read every item written so far, they wait for a block the caller will
      // never write; then stop the job.
      const written = Math.min(items.length, round.from + Atomics.load(new Int32Array(stream.shared, 0, 4), 2) * round.blockSize);
      while (seen.reduce((sum, n) => sum + n, 0) < written - round.from) {
        if (Date.now() > deadline) throw new Error('the workers did not read what was written');
        await new Promise((resolve) => setImmediate(resolve));
      }
      Atomics.store(control, MapControl.Stop, 1);
    } else {
      while (!stream.fill(Atomics.load(control, MapControl.Next))) {
        if (Date.now() > deadline) throw new Error(`seed ${round.seed}: the ring did not drain (next ${Atomics.load(control, MapControl.Next)})`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return { outcomes: await within(outcomes, 20_000, `seed ${round.seed}: the workers`), seen, digests };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

describe('item stream, across real workers', () => {
  it('every item is read exactly once and whole, through a ring much smaller than the items (seeded rounds)', async () => {
    for (let r = 0; r < 12; r++) {
      const seed = MODEL_SEED + 100 * r;
      const random = seededRandom(seed);
      const count = 300 + Math.floor(random() * 1500);
      const round: Round = {
        seed,
        count,
        from: Math.floor(random() * 5),
        blockSize: 1 + Math.floor(random() * 24),
        fixedChunk: random() < 0.5 ? 0 : 1 + Math.floor(random() * 40),
        participants: 1 + Math.floor(random() * 3),
      };
      const items = makeItems(seed, count, Math.floor(count / 2));
      const { outcomes, seen, digests } = await runRound(round, items);
      expect(outcomes.every((o) => o === 'done')).toBe(true);
      const wrong: string[] = [];
      for (let i = 0; i < items.length; i++) {
        const reads = i < round.from ? 0 : 1;
        if (seen[i] !== reads) wrong.push(`item ${i} read ${seen[i]} times`);
        else if (reads === 1 && digests[i] !== digest(items[i])) wrong.push(`item ${i} arrived changed`);
      }
      expect(wrong.slice(0, 5), `round ${JSON.stringify(round)}`).toEqual([]);
    }
  }, 120_000);

  it('a worker waiting for a block that is never written leaves once the job stops', async () => {
    const items = Array.from({ length: 5_000 }, (_, i) => `item ${i} `.repeat(4));
    const { outcomes } = await runRound({ seed: 1, count: items.length, from: 0, blockSize: 16, fixedChunk: 0, participants: 2 }, items, true);
    expect(outcomes).toEqual(['stopped', 'stopped']);
  });
});
