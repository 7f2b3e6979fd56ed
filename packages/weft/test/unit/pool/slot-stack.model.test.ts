import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Header, SchedulerMemory, Slot, type SchedulerSizes } from '../../../src/sched/scheduler-memory.js';
import { releaseSlot, slotBits, takeSlot } from '../../../src/sched/slot-stack.js';
import { MODEL_SEED, expectClean, raceWorkers } from './model-workers.js';

/** How many tags the head of a `slots`-slot stack counts through before it wraps to 0. */
const tagsFor = (slots: number): number => 2 ** (31 - slotBits(slots));

/** A scheduler with `slots` task slots and little else; every slot free, slot 0 on top, the head's tag at `tag`. */
function freeStack(slots: number, tag = 0): SchedulerMemory {
  const sizes: SchedulerSizes = { workers: 1, slots, payloadBytes: 8, dequeCapacity: 2, functions: 1, functionBytes: 8 };
  const memory = SchedulerMemory.create(sizes);
  memory.words[Header.FreeHead] = (tag << slotBits(slots)) | 1;
  return memory;
}

/** The free stack from the top, read through the head and the NextFree links; fails on a cycle. */
function freeSlots(memory: SchedulerMemory): number[] {
  const slots: number[] = [];
  for (let link = memory.words[Header.FreeHead]! & ((1 << slotBits(memory.sizes.slots)) - 1); link !== 0; link = memory.words[memory.slotWord(link - 1) + Slot.NextFree]!) {
    if (slots.length > memory.sizes.slots) throw new Error(`the free stack has a cycle: ${slots.slice(0, 20).join(' -> ')} ...`);
    slots.push(link - 1);
  }
  return slots;
}

const tagOf = (memory: SchedulerMemory): number => memory.words[Header.FreeHead]! >>> slotBits(memory.sizes.slots);

/** The model: the free slots (top last), the taken ones, and the head's tag (one more per change, mod `tags`). */
interface Model {
  readonly free: number[];
  readonly taken: number[];
  readonly tags: number;
  tag: number;
}

class Take implements fc.Command<Model, SchedulerMemory> {
  check = (): boolean => true;
  run(model: Model, memory: SchedulerMemory): void {
    const expected = model.free.pop() ?? -1;
    expect(takeSlot(memory)).toBe(expected);
    if (expected < 0) return;
    model.taken.push(expected);
    model.tag = (model.tag + 1) % model.tags;
    const base = memory.slotWord(expected);
    expect([memory.words[base + Slot.State], memory.words[base + Slot.Runner], memory.words[base + Slot.Cancel]]).toEqual([0, 0, 0]);
    // Use it the way a task does, so the release has something to reset.
    memory.words[base + Slot.State] = 3;
    memory.words[base + Slot.Runner] = 2;
    memory.words[base + Slot.Cancel] = 1;
  }
  toString = (): string => 'take';
}

class Release implements fc.Command<Model, SchedulerMemory> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>): boolean => model.taken.length > 0;
  run(model: Model, memory: SchedulerMemory): void {
    const [slot] = model.taken.splice(this.pick % model.taken.length, 1) as [number];
    releaseSlot(memory, slot);
    model.free.push(slot);
    model.tag = (model.tag + 1) % model.tags;
  }
  toString = (): string => `release(#${this.pick})`;
}

class Head implements fc.Command<Model, SchedulerMemory> {
  check = (): boolean => true;
  run(model: Model, memory: SchedulerMemory): void {
    expect(freeSlots(memory)).toEqual([...model.free].reverse());
    expect(tagOf(memory)).toBe(model.tag);
  }
  toString = (): string => 'head';
}

/**
 * Run `action` with `Atomics.compareExchange` on the free-stack head
 * preceded, once, by `interfere`: another thread's operations landing
 * between the attempt's reads and its compareExchange.
 */
function withInterference(memory: SchedulerMemory, interfere: () => void, action: () => number | void): number | void {
  const original = Atomics.compareExchange;
  let pending = true;
  Atomics.compareExchange = ((array: Int32Array, index: number, expected: number, replacement: number) => {
    if (pending && array === memory.words && index === Header.FreeHead) {
      pending = false;
      Atomics.compareExchange = original;
      interfere();
    }
    return original(array, index, expected, replacement);
  }) as typeof Atomics.compareExchange;
  try {
    return action();
  } finally {
    Atomics.compareExchange = original;
    expect(pending).toBe(false);
  }
}

describe('slot stack against a LIFO model (fast-check, seeded)', () => {
  it('take and release agree with a stack, with the head tag counting changes across its wrap', () => {
    const commands = fc.commands([fc.constant(new Take()), fc.nat(16).map((pick) => new Release(pick)), fc.constant(new Head())], { maxCommands: 150 });
    // The tag starts at 0, just below its wrap (negative: that far below), or anywhere.
    const tagArb = fc.oneof(fc.constant(0), fc.integer({ min: -16, max: -1 }), fc.nat());
    // Slot counts on both sides of a power of two: the tag's width changes there.
    const slotsArb = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(15, 16, 4095, 4096));
    fc.assert(
      fc.property(slotsArb, tagArb, commands, (slots, tagPick, cmds) => {
        const tags = tagsFor(slots);
        const tag = ((tagPick % tags) + tags) % tags;
        const memory = freeStack(slots, tag);
        const free = Array.from({ length: slots }, (_, i) => slots - 1 - i);
        fc.modelRun(() => ({ model: { free, taken: [], tags, tag }, real: memory }), cmds);
      }),
      { seed: 20261203, numRuns: 300 },
    );
  });

  it('hands out each of 65535 slots once (a 16-bit slot field, a 15-bit tag)', () => {
    const memory = freeStack(0xffff);
    const seen = new Set<number>();
    for (let s = takeSlot(memory); s >= 0; s = takeSlot(memory)) seen.add(s);
    expect(seen.size).toBe(0xffff);
    expect(Math.max(...seen)).toBe(0xfffe);
    releaseSlot(memory, 0xfffe);
    expect(takeSlot(memory)).toBe(0xfffe);
  });

  it('a take whose head was popped and pushed back meanwhile (ABA) retries instead of handing out a taken slot', () => {
    const memory = freeStack(4); // free: 0 -> 1 -> 2 -> 3
    let held: number[] = [];
    // Between our take's reads (head = slot 0, next = slot 1) and its compareExchange, another
    // thread takes 0 and 1 and gives 0 back: the head names slot 0 again, now followed by 2.
    const got = withInterference(
      memory,
      () => {
        held = [takeSlot(memory), takeSlot(memory)];
        releaseSlot(memory, held[0]!);
      },
      () => takeSlot(memory),
    );
    expect(held).toEqual([0, 1]);
    expect(got).toBe(0);
    // Slot 1 is still the other thread's: the stack goes on with 2, not 1.
    expect(freeSlots(memory)).toEqual([2, 3]);
    expect(tagOf(memory)).toBe(4);
  });

  /**
   * One take whose attempt (head = slot 0, next = slot 1) is interrupted by another thread that keeps
   * slots 1 and 2, puts 0 back on top (4 changes), then takes and gives back slot 0 until the head has
   * changed 32768 times; returns the head word the other thread leaves.
   */
  function takeAcross32768Changes(memory: SchedulerMemory): number {
    let left = 0;
    withInterference(
      memory,
      () => {
        expect([takeSlot(memory), takeSlot(memory), takeSlot(memory)]).toEqual([0, 1, 2]);
        releaseSlot(memory, 0);
        for (let changes = 4; changes < 32768; changes += 2) releaseSlot(memory, takeSlot(memory));
        left = memory.words[Header.FreeHead]!;
      },
      () => expect(takeSlot(memory)).toBe(0),
    );
    return left;
  }

  // With a fixed 16-bit slot field the tag had 15 bits: 32768 changes during one attempt brought the head
  // word back to what the attempt read, and the ABA above succeeded (held slots back on the free stack,
  // to be handed out twice). The pool's 4096 slots need 13 bits, which leaves the tag 18.
  it('a take survives 32768 changes of the head during one attempt (the tag is wider than 15 bits)', () => {
    const memory = freeStack(4096);
    expect(tagsFor(4096)).toBe(2 ** 18);
    expect(takeAcross32768Changes(memory) >>> slotBits(4096)).toBe(32768);
    // 1 and 2 are the other thread's: the stack goes on with 3.
    expect(freeSlots(memory).slice(0, 2)).toEqual([3, 4]);
    expect(tagOf(memory)).toBe(32769);
  });

  it('the documented limit: a whole lap of the tag during one attempt (2^(31 - slotBits) changes) is not seen', () => {
    // The same replay with 65535 slots: a 16-bit slot field, so a 15-bit tag, as every stack had before.
    const memory = freeStack(0xffff);
    expect(tagsFor(0xffff)).toBe(32768);
    expect(takeAcross32768Changes(memory)).toBe(1); // the very word the attempt read
    // The stale compareExchange got through: the head names slot 1, which the other thread holds.
    expect(freeSlots(memory).slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('a release whose head was taken meanwhile retries with the new head', () => {
    const memory = freeStack(3); // free: 0 -> 1 -> 2
    expect(takeSlot(memory)).toBe(0);
    let other = -1;
    withInterference(
      memory,
      () => {
        other = takeSlot(memory);
      },
      () => releaseSlot(memory, 0),
    );
    expect(other).toBe(1);
    expect(freeSlots(memory)).toEqual([0, 2]);
  });
});

describe('slot stack across real workers (seeded)', () => {
  it.each([
    { tag: 0, seed: MODEL_SEED },
    { tag: tagsFor(6) - 16, seed: MODEL_SEED + 100 },
  ])('four threads taking and releasing six slots: no slot held by two at once, none lost (tag from $tag, seed $seed)', async ({ tag, seed }) => {
    const slots = 6;
    const memory = freeStack(slots, tag);
    const holders = new SharedArrayBuffer(slots * 4);
    const label = `slot stack from tag ${tag}`;
    const user = (me: number) => ({ role: 'stack-user' as const, sizes: memory.sizes, holders, me, rounds: 4_000, maxHold: 3 });
    const results = await raceWorkers(label, seed, memory.buffer, [user(1), user(2), user(3), user(4)]);
    expectClean(label, seed, results);
    // Every slot is back, once; the tag counted every take and every release.
    expect([...freeSlots(memory)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    const takes = results.reduce((n, r) => n + r.taken.length, 0);
    expect(tagOf(memory)).toBe((tag + 2 * takes) % tagsFor(slots));
    expect(new Int32Array(holders)).toEqual(new Int32Array(slots));
  });
});
