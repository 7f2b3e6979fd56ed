import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkDeque } from '../../../src/sched/work-deque.js';
import { dequeWords } from '../../fixtures/pool-model-memory.js';
import { MODEL_SEED, WRAP_STARTS, expectClean, expectEachOnce, raceWorkers } from './model-workers.js';

/** The model: the deque's values, oldest first, and the next value to push. */
interface Model {
  readonly values: number[];
  readonly capacity: number;
  next: number;
}

class Push implements fc.Command<Model, WorkDeque> {
  check = (): boolean => true;
  run(model: Model, deque: WorkDeque): void {
    const fits = model.values.length < model.capacity;
    expect(deque.push(model.next)).toBe(fits);
    if (fits) model.values.push(model.next);
    model.next++;
  }
  toString = (): string => 'push';
}

class Pop implements fc.Command<Model, WorkDeque> {
  check = (): boolean => true;
  run(model: Model, deque: WorkDeque): void {
    expect(deque.pop()).toBe(model.values.pop() ?? -1);
  }
  toString = (): string => 'pop';
}

class Steal implements fc.Command<Model, WorkDeque> {
  check = (): boolean => true;
  run(model: Model, deque: WorkDeque): void {
    // Alone, a thief never loses a race: it gets the oldest value or -1.
    expect(deque.steal()).toBe(model.values.shift() ?? -1);
  }
  toString = (): string => 'steal';
}

class Size implements fc.Command<Model, WorkDeque> {
  check = (): boolean => true;
  run(model: Model, deque: WorkDeque): void {
    expect(deque.size).toBe(model.values.length);
  }
  toString = (): string => 'size';
}

/** Where top and bottom start: 0, either side of the int32 wrap (2^31) and of 2^32, or anywhere. */
const startArb = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 2 ** 31 - 40, max: 2 ** 31 - 1 }),
  fc.integer({ min: -40, max: -1 }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
);

const commandsArb = fc.commands(
  [
    fc.constant(new Push()),
    fc.constant(new Push()), // twice as many pushes as pops: the deque fills up
    fc.constant(new Pop()),
    fc.constant(new Steal()),
    fc.constant(new Size()),
  ],
  { maxCommands: 200 },
);

describe('WorkDeque against an array model (fast-check, seeded)', () => {
  it('push/pop at the bottom and steal at the top agree with an array, full and empty, from any start of top and bottom', () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 4, 8, 16), startArb, commandsArb, (capacity, start, commands) => {
        const deque = new WorkDeque(dequeWords(capacity, start), 0, capacity);
        fc.modelRun(() => ({ model: { values: [], capacity, next: 0 }, real: deque }), commands);
      }),
      { seed: 20261203, numRuns: 400 },
    );
  });

  it('keeps working across the int32 wrap of top and bottom, whichever end takes', () => {
    // 2^31 - 3: three pushes take bottom past 2^31 - 1; steals then take top past it too.
    const deque = new WorkDeque(dequeWords(8, 2 ** 31 - 3), 0, 8);
    for (let v = 0; v < 8; v++) expect(deque.push(v)).toBe(true);
    expect(deque.push(8)).toBe(false);
    expect(deque.size).toBe(8);
    expect(deque.steal()).toBe(0);
    expect(deque.pop()).toBe(7);
    for (let v = 1; v < 4; v++) expect(deque.steal()).toBe(v);
    expect([deque.pop(), deque.pop(), deque.pop(), deque.pop()]).toEqual([6, 5, 4, -1]);
    expect(deque.steal()).toBe(-1);
    expect(deque.size).toBe(0);
  });
});

describe('WorkDeque across real workers (seeded)', () => {
  const rounds = WRAP_STARTS.map((start, round) => ({ start, seed: MODEL_SEED + 100 * round }));

  it.each(rounds)('one owner pushing and popping, three thieves: each value taken once, owner LIFO, each thief FIFO (start $start, seed $seed)', async ({ start, seed }) => {
    const capacity = 16;
    const pushes = 20_000;
    const words = dequeWords(capacity, start);
    const deque = { at: 0, capacity };
    const label = `deque from ${start}`;
    const results = await raceWorkers(label, seed, words.buffer as SharedArrayBuffer, [
      { role: 'deque-owner', ...deque, pushes, pushChance: 0.6 },
      { role: 'deque-thief', ...deque },
      { role: 'deque-thief', ...deque },
      { role: 'deque-thief', ...deque },
    ]);
    expectClean(label, seed, results);
    expectEachOnce(
      label,
      seed,
      Array.from({ length: pushes }, (_, i) => i),
      results.flatMap((r) => r.taken),
    );
    // Values are pushed in increasing order and thieves take the oldest: each thief's steals increase.
    for (const [i, thief] of results.slice(1).entries()) {
      const backwards = thief.taken.findIndex((v, k) => k > 0 && v <= thief.taken[k - 1]!);
      expect(backwards, `${label} (seed ${seed}): thief ${i + 1} stole ${thief.taken[backwards]} after ${thief.taken[backwards - 1]}`).toBe(-1);
    }
    // The owner waits for a first steal, so thieves always take some.
    expect(results.slice(1).some((r) => r.taken.length > 0)).toBe(true);
    expect(new WorkDeque(words, 0, capacity).size).toBe(0);
  });
});
