// `par` chains against the same chain on a plain Array, in alternating rounds.
import { par } from 'weftjs';
import { check, paired } from './harness.mjs';
import { calibrate, kernel } from './workloads.mjs';

/** The par workloads; `record` as in run.mjs. */
export async function parSuite({ quick, record }) {
  const rounds = quick ? 3 : 9;
  {
    const name = '1,000,000 numbers: map, filter, sum';
    const items = Array.from({ length: 1_000_000 }, (_, i) => i);
    const expected = items.map((x) => x * 3).filter((x) => x % 2 === 0).reduce((a, b) => a + b, 0);
    let out;
    const r = await paired(
      async () => {
        out = await par(items).map((x) => x * 3).filter((x) => x % 2 === 0).sum();
      },
      () => items.map((x) => x * 3).filter((x) => x % 2 === 0).reduce((a, b) => a + b, 0),
      { rounds },
    );
    check('par', [out], [expected]);
    record(name, 'Array chain', r.b, 'ms', '', { baseline: true });
    record(name, 'weft par', r.a, 'ms', `${r.ratio.toFixed(2)}x vs the Array chain, median of alternating rounds (target: no worse than 1.1x its time, >= 0.91x)`, {
      paired: [{ speedup: r.ratio }],
      targets: [{ speedup: 1 / 1.1 }],
    });
  }
  {
    const name = '40,000 items x ~50 µs: map, filter, count';
    const iterations = calibrate(50);
    const items = Array.from({ length: 40_000 }, (_, i) => i);
    const ctx = { iterations };
    const expected = items.map((s, i) => kernel(s, i, ctx)).filter((x) => (x & 1) === 0).length;
    let out;
    const r = await paired(
      async () => {
        // kernel captures nothing, so it ships as a stage like any inline function.
        out = await par(items, { context: ctx }).map(kernel).filter((x) => (x & 1) === 0).count();
      },
      () => items.map((s, i) => kernel(s, i, ctx)).filter((x) => (x & 1) === 0).length,
      { rounds: quick ? 2 : 5 },
    );
    check('par', [out], [expected]);
    record(name, 'Array chain', r.b, 'ms', '', { baseline: true });
    record(name, 'weft par', r.a, 'ms', `${r.ratio.toFixed(2)}x vs the Array chain, median of alternating rounds (target >= 1.7x)`, {
      paired: [{ speedup: r.ratio }],
      targets: [{ speedup: 1.7 }],
    });
  }
  {
    // Short-circuit (issue 16): 400,000 items of ~1 µs with the hit at index 2,000, against a full scan.
    const name = 'some() over 400,000 items x ~1 µs, hit at index 2,000';
    const iterations = calibrate(1);
    const items = Array.from({ length: 400_000 }, (_, i) => i);
    const ctx = { iterations, hit: 2_000 };
    let hit;
    let all;
    const r = await paired(
      async () => {
        // The index a stage gets is the source index, so the hit is at source item c.hit.
        hit = await par(items, { context: ctx }).map(kernel).some((x, i, c) => i === c.hit && x !== 0.5);
      },
      async () => {
        all = await par(items, { context: ctx }).map(kernel).every((x, i) => i >= 0 && x !== 0.5);
      },
      { rounds: quick ? 2 : 5 },
    );
    check('par some', [hit, all], [true, true]);
    record(name, 'par every (a full scan)', r.b, 'ms', '', { baseline: true });
    record(name, 'weft par some', r.a, 'ms', `${r.ratio.toFixed(1)}x faster than the full scan: the hit stops the other chunks (target: under 10% of its time, >= 10x)`, {
      paired: [{ speedup: r.ratio }],
      targets: [{ speedup: 10 }],
    });
  }
}
