import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ringValue, ringWordsAt } from '../../fixtures/pool-model-memory.js';
import { LINE, MpmcRing } from '../../../src/sched/mpmc-ring.js';
import type { ModelWorkerResult } from '../../fixtures/pool-model-worker.js';
import { MODEL_SEED, RingScriptWorker, WRAP_STARTS, expectClean, expectEachOnce, raceWorkers } from './model-workers.js';

/** Where both positions start: 0, either side of the int32 wrap (2^31) and of 2^32, or anywhere. */
const startArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 2 ** 31 - 40, max: 2 ** 31 - 1 }),
  fc.integer({ min: -40, max: -1 }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);

/** Pushes twice as likely as pops, so a small ring is often full. */
const opsArb = fc.array(fc.constantFrom<'push' | 'pop' | 'size'>('push', 'push', 'pop', 'size'), { maxLength: 200 });

/** What a FIFO of `capacity` values answers to `ops` (push pushes 0, 1, 2, ...). */
function fifoModel(capacity: number, ops: readonly ('push' | 'pop' | 'size')[]): (number | boolean)[] {
  const values: number[] = [];
  let next = 0;
  return ops.map((op) => {
    if (op === 'size') return values.length;
    if (op === 'pop') return values.shift() ?? -1;
    const fits = values.length < capacity;
    if (fits) values.push(next);
    next++;
    return fits;
  });
}

describe('MpmcRing against a FIFO model (fast-check, seeded)', () => {
  // The ring runs in a worker: a ring that loops forever fails the property instead of hanging the file.
  const scripts = new RingScriptWorker();
  afterAll(() => scripts.close());

  // Capacity 1 is not a ring (a published cell's sequence, pos + 1, would read as free for the next lap); the pool's are 4096.
  it('push and pop agree with a bounded FIFO, full and empty, from any start of the positions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(2, 4, 8, 16), startArb, opsArb, async (capacity, start, ops) => {
        expect(await scripts.run({ capacity, start, ops })).toEqual(fifoModel(capacity, ops));
      }),
      { seed: 20261203, numRuns: 300 },
    );
  });

  it('an empty ring at dequeue position 2^31 - 1, and a full one across the wrap, answer at once', async () => {
    // Both once looped forever: the sequence word was compared with the position without wrapping the difference.
    expect(await scripts.run({ capacity: 4, start: 2 ** 31 - 1, ops: ['pop', 'push', 'pop', 'pop'] })).toEqual([-1, true, 0, -1]);
    expect(await scripts.run({ capacity: 2, start: 2 ** 31 - 2, ops: ['push', 'push', 'push', 'size', 'pop', 'pop', 'pop'] })).toEqual([
      true,
      true,
      false,
      2,
      0,
      1,
      -1,
    ]);
  });
});

/** Each value once; what one consumer got from one producer in push order; the ring empty, both positions one on per value. */
function expectRingOutcome(label: string, seed: number, words: Int32Array, start: number, producers: number, count: number, consumers: readonly ModelWorkerResult[]): void {
  const expected = Array.from({ length: producers * count }, (_, k) => ringValue(Math.floor(k / count), k % count));
  expectEachOnce(
    label,
    seed,
    expected,
    consumers.flatMap((r) => r.taken),
  );
  // A producer's pushes are ordered, and so are one consumer's pops.
  for (const [c, consumer] of consumers.entries()) {
    const last = new Map<number, number>();
    for (const v of consumer.taken) {
      const [producer, i] = [Math.floor(v / 2 ** 20), v % 2 ** 20];
      const before = last.get(producer) ?? -1;
      expect(i > before, `${label} (seed ${seed}): consumer ${c} got value ${i} of producer ${producer} after ${before}`).toBe(true);
      last.set(producer, i);
    }
  }
  expect(new MpmcRing(words, 0, capacityOf(words)).size).toBe(0);
  expect([words[0], words[LINE]]).toEqual([(start + producers * count) | 0, (start + producers * count) | 0]);
}

const capacityOf = (words: Int32Array): number => (words.length - 2 * LINE) / 2;

describe('MpmcRing across real workers (seeded)', () => {
  const rounds = WRAP_STARTS.map((start, round) => ({ start, seed: MODEL_SEED + 100 * round }));

  it.each(rounds)('three producers, two consumers: each value taken once, each producer in order (start $start, seed $seed)', async ({ start, seed }) => {
    const [capacity, producers, count] = [16, 3, 4_000];
    const words = ringWordsAt(capacity, start);
    const ring = { at: 0, capacity };
    const label = `ring from ${start}`;
    const results = await raceWorkers(label, seed, words.buffer as SharedArrayBuffer, [
      ...Array.from({ length: producers }, (_, producer) => ({ role: 'ring-producer' as const, ...ring, producer, count })),
      { role: 'ring-consumer', ...ring, producers },
      { role: 'ring-consumer', ...ring, producers },
    ]);
    expectClean(label, seed, results);
    expectRingOutcome(label, seed, words, start, producers, count, results.slice(producers));
  });

  it.each(rounds)('four threads each pushing and popping: each value taken once, each producer in order (start $start, seed $seed)', async ({ start, seed }) => {
    const [capacity, producers, count] = [16, 4, 8_000];
    const words = ringWordsAt(capacity, start);
    const label = `mixed ring from ${start}`;
    const results = await raceWorkers(
      label,
      seed,
      words.buffer as SharedArrayBuffer,
      Array.from({ length: producers }, (_, producer) => ({ role: 'ring-mixed' as const, at: 0, capacity, producer, count, producers })),
    );
    expectClean(label, seed, results);
    expectRingOutcome(label, seed, words, start, producers, count, results);
  });
});
