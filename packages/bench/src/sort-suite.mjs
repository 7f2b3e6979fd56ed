// parallelSort against the built-in sort of the same data, in alternating rounds. Each round sorts a fresh copy
// of the same input; making the copy is not timed.
import { parallelSort } from 'weftjs';
import { alternate, check } from './harness.mjs';

/** A deterministic PRNG (mulberry32), so every run sorts the same data. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Time `fn` after an untimed `setup`. */
const timedAfter = (setup, fn) => async () => {
  setup();
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

/** True when `a` and `b` hold the same items (Object.is) in the same order. */
function same(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** One workload: `weft` and `builtin` each sort their own fresh copy (`fresh('weft')`, `fresh('builtin')`) per round. */
async function race({ name, fresh, weft, builtin, rounds, target, record }) {
  let mine;
  let theirs;
  const r = await alternate(
    timedAfter(() => (mine = fresh('weft')), () => weft(mine)),
    timedAfter(() => (theirs = fresh('builtin')), () => builtin(theirs)),
    { rounds, ratio: (ta, tb) => tb / ta },
  );
  check(`parallelSort: ${name}`, [same(mine, theirs)], [true]);
  const against = name.includes('Float64Array') ? 'Float64Array#sort' : 'Array#sort';
  record(name, against, r.b, 'ms', '', { baseline: true });
  const goal = target === undefined ? 'no target' : `target >= ${target}x`;
  record(name, 'weft parallelSort', r.a, 'ms', `${r.ratio.toFixed(2)}x vs ${against}, median of alternating rounds (${goal})`, {
    paired: [{ speedup: r.ratio }],
    ...(target === undefined ? {} : { targets: [{ speedup: target }] }),
  });
}

/** The sort workloads; `record` as in run.mjs. */
export async function sortSuite({ quick, record }) {
  const rounds = quick ? 3 : 7;
  const random = seededRandom(0x5047);
  {
    const n = 4_000_000;
    const input = new Float64Array(n);
    for (let i = 0; i < n; i++) input[i] = (random() - 0.5) * 2e6;
    const shared = new Float64Array(new SharedArrayBuffer(n * 8));
    const plain = new Float64Array(n);
    await race({
      name: '4,000,000 random doubles (shared Float64Array)',
      // Each contender sorts its own array: the shared one in place, a plain one with the built-in sort.
      fresh: (who) => {
        const a = who === 'weft' ? shared : plain;
        a.set(input);
        return a;
      },
      weft: (a) => parallelSort(a),
      builtin: (a) => a.sort(),
      rounds,
      target: 1.6,
      record,
    });
  }
  {
    const input = Array.from({ length: 1_000_000 }, () => (random() - 0.5) * 2e6);
    await race({
      name: '1,000,000 numbers with a comparator',
      fresh: () => input.slice(),
      weft: (a) => parallelSort(a, (x, y) => x - y),
      builtin: (a) => a.sort((x, y) => x - y),
      rounds,
      target: 1.3,
      record,
    });
  }
  {
    const input = Array.from({ length: 1_000_000 }, (_, id) => ({ id, key: Math.floor(random() * 1e6) }));
    await race({
      name: '1,000,000 objects by key',
      fresh: () => input.slice(),
      weft: (a) => parallelSort(a, (x, y) => x.key - y.key),
      builtin: (a) => a.sort((x, y) => x.key - y.key),
      rounds: quick ? 2 : 5,
      record,
    });
  }
}
