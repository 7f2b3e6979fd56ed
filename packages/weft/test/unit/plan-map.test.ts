// How parallelMap decides to stay on the calling thread, and the calling thread's loop (internals).
// The outcome through the public API, wherever items run, is checked in the conformance suites.
import { describe, expect, it } from 'vitest';
import { crossingCostMs, crossingFactor, worthGoingParallel } from '../../src/map/plan-map.js';
import { inlineLoop, runInline } from '../../src/map/run-inline.js';
import { TaskError } from '../../src/errors.js';

describe('worthGoingParallel', () => {
  const warm = { remaining: 100_000, participants: 2, coldWorkers: 0 };

  it('goes parallel for 1 us items when moving them is measured cheap (numbers)', () => {
    // 50 ms each on two workers + 1 ms + 0.15 us per item moved = 66 ms, against 100 ms here.
    expect(worthGoingParallel({ ...warm, perItemMs: 0.001, crossingMs: 0.00015 })).toBe(true);
  });

  it('stays here when moving an item costs about what it saves', () => {
    expect(worthGoingParallel({ ...warm, perItemMs: 0.0001, crossingMs: 0.00015 })).toBe(false);
    // Small objects: 1.2 us to clone each one and its result, 4.8 us to move them.
    expect(worthGoingParallel({ ...warm, perItemMs: 0.002, crossingMs: 0.0048 })).toBe(false);
    // Within 10% of the time here: not worth the gamble (49 ms on workers against 50 ms here).
    expect(worthGoingParallel({ ...warm, perItemMs: 0.0005, crossingMs: 0.00023 })).toBe(false);
  });

  it('values passed by identity cost nothing to move; unmeasured ones a rough figure', () => {
    expect(worthGoingParallel({ ...warm, perItemMs: 0.0003, crossingMs: 0 })).toBe(true);
    expect(worthGoingParallel({ ...warm, perItemMs: 0.001 })).toBe(false);
  });

  it('keeps a job of a few milliseconds here: handing it over and hearing back costs about one', () => {
    // 750 items of 3 us left after the probe: 2.25 ms here, against 1.13 + 1 + 0.11 ms.
    const few = { perItemMs: 0.003, participants: 2, coldWorkers: 0, crossingMs: 0.00015 };
    expect(worthGoingParallel({ ...few, remaining: 750 })).toBe(false);
    // Four times as many: 9 ms here, against 4.5 + 1 + 0.45 ms.
    expect(worthGoingParallel({ ...few, remaining: 3_000 })).toBe(true);
  });

  it('counts worker start-up, and never goes parallel with no participant', () => {
    const job = { perItemMs: 0.001, remaining: 50_000, participants: 2, crossingMs: 0 };
    expect(worthGoingParallel({ ...job, coldWorkers: 0 })).toBe(true);
    expect(worthGoingParallel({ ...job, coldWorkers: 2 })).toBe(false); // 25 + 40 ms of start-up > 50 ms
    expect(worthGoingParallel({ ...job, participants: 0, coldWorkers: 0 })).toBe(false);
  });
});

describe('crossingCostMs', () => {
  it('is a positive figure per item for cloneable values, over a sample of what the probe ran', () => {
    const items = Array.from({ length: 1_000 }, (_, i) => i);
    const results = new Array<unknown>(1_000); // holey, as parallelMap's results are
    for (let i = 0; i < 300; i++) results[i] = { i, label: `item ${i}` };
    const cost = crossingCostMs(items, results, 300);
    expect(cost).toBeGreaterThan(0);
    expect(Number.isFinite(cost)).toBe(true);
  });

  it('weighs what the sample holds: strings cost more to move against their clone than numbers', () => {
    expect(crossingFactor(1)).toBe(1.5);
    expect(crossingFactor(-0.5)).toBe(1.5);
    expect(crossingFactor('w')).toBe(6);
    expect(crossingFactor({ id: 1 })).toBe(4);
    expect(crossingFactor([1, 2])).toBe(4);
    expect(crossingFactor(undefined)).toBe(1.5);
    expect(crossingFactor(true)).toBe(1.5);
  });

  it('is 0 when nothing ran or a result cannot be cloned (sending it says why)', () => {
    expect(crossingCostMs([1, 2, 3], [], 0)).toBe(0);
    expect(crossingCostMs([1, 2, 3], [() => 1, 2, 3], 3)).toBe(0);
  });
});

describe('runInline', () => {
  const run = (fn: (x: number, i: number) => unknown, items: number[], from = 0) => {
    const results = new Array<unknown>(items.length);
    return { results, step: () => runInline('test', items, fn, undefined, results, from, items.length, false) };
  };

  it('names the item that threw, after items whose result was undefined', () => {
    const { step } = run((x) => {
      if (x === 3) throw new RangeError('three');
      return undefined;
    }, [1, 2, 3, 4]);
    const error = (() => {
      try {
        step();
      } catch (err) {
        return err as TaskError;
      }
    })();
    expect(error).toBeInstanceOf(TaskError);
    expect(error?.index).toBe(2);
    expect(error?.cause).toBeInstanceOf(RangeError);
    expect(error?.message).toMatch(/threw at index 2: RangeError: three/);
  });

  it('names the first item of a batch, and the last one', () => {
    const fail = (at: number) => (x: number, i: number) => {
      if (i === at) throw new Error(`at ${i}`);
      return x;
    };
    expect(() => run(fail(2), [1, 2, 3, 4], 2).step()).toThrow(/threw at index 2: Error: at 2/);
    expect(() => run(fail(3), [1, 2, 3, 4], 2).step()).toThrow(/threw at index 3: Error: at 3/);
  });

  it('stops at a promise-like result, stored unresolved, and reports where to go on', () => {
    const thenable = { then: () => undefined };
    const { results, step } = run((x) => (x === 2 ? thenable : x * 10), [1, 2, 3]);
    expect(step()).toEqual({ next: 2, pending: true });
    expect(results.slice(0, 2)).toEqual([10, thenable]);
    expect(1 in results && !(2 in results)).toBe(true);
  });

  it('compiles one loop per source and finds it again by the function', () => {
    const a = (x: number) => x + 1;
    const b = (x: number) => x + 1;
    expect(inlineLoop(a)).toBe(inlineLoop(a));
    expect(inlineLoop(b)).toBe(inlineLoop(a)); // the same source
    expect(inlineLoop((x: number) => x + 2)).not.toBe(inlineLoop(a));
  });
});
