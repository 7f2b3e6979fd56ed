// Weft's sync primitives against a bare inline Atomics futex lock, in one
// run, as ratios. Part of `npm run bench` (suite "sync").
//
// The baseline is the classic three-state futex mutex (0 free, 1 locked,
// 2 locked with waiters: compareExchange to lock, sub to unlock, wait/notify
// only under contention), written inline in the same task as Weft's run.
// Worker-side figures are measured inside pool workers (parallelMap with
// inline: 'never'); each figure is the best of several rounds.
import { AtomicInt32, Mutex, parallelMap } from 'weftjs';


/** Runs inside a worker: ns per uncontended lock/unlock pair, Weft vs the bare futex. */
function uncontended(_item, _index, ctx) {
  const { m, bare, pairs, rounds } = ctx;
  function bareLock(a) {
    let c = Atomics.compareExchange(a, 0, 0, 1);
    if (c !== 0) {
      if (c !== 2) c = Atomics.exchange(a, 0, 2);
      while (c !== 0) {
        Atomics.wait(a, 0, 2);
        c = Atomics.exchange(a, 0, 2);
      }
    }
  }
  function bareUnlock(a) {
    if (Atomics.sub(a, 0, 1) !== 1) {
      Atomics.store(a, 0, 0);
      Atomics.notify(a, 0, 1);
    }
  }
  let bestWeft = Infinity;
  let bestBare = Infinity;
  let bestUsing = Infinity;
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    for (let i = 0; i < pairs; i++) {
      bareLock(bare);
      bareUnlock(bare);
    }
    bestBare = Math.min(bestBare, ((performance.now() - t) * 1e6) / pairs);
    t = performance.now();
    for (let i = 0; i < pairs; i++) m.lockSync().unlock();
    bestWeft = Math.min(bestWeft, ((performance.now() - t) * 1e6) / pairs);
    t = performance.now();
    for (let i = 0; i < pairs; i++) {
      // What `using g = m.lockSync()` compiles to (Node 20 has no `using` syntax).
      const g = m.lockSync();
      try {
        // critical section
      } finally {
        g[Symbol.dispose]();
      }
    }
    bestUsing = Math.min(bestUsing, ((performance.now() - t) * 1e6) / pairs);
  }
  return { bestWeft, bestBare, bestUsing };
}

/** Runs in each of two workers: `pairs` lock/unlock pairs on a shared lock; returns elapsed ms. */
function contended(_item, _index, ctx) {
  const { m, bare, start, pairs, kind } = ctx;
  function bareLock(a) {
    let c = Atomics.compareExchange(a, 0, 0, 1);
    if (c !== 0) {
      if (c !== 2) c = Atomics.exchange(a, 0, 2);
      while (c !== 0) {
        Atomics.wait(a, 0, 2);
        c = Atomics.exchange(a, 0, 2);
      }
    }
  }
  function bareUnlock(a) {
    if (Atomics.sub(a, 0, 1) !== 1) {
      Atomics.store(a, 0, 0);
      Atomics.notify(a, 0, 1);
    }
  }
  // Start together: each worker arrives, then spins until both have (bounded: fail loudly).
  Atomics.add(start, 0, 1);
  const deadline = performance.now() + 10_000;
  while (Atomics.load(start, 0) < 2) if (performance.now() > deadline) throw new Error('the other worker never started');
  const t = performance.now();
  if (kind === 'weft') {
    for (let i = 0; i < pairs; i++) {
      const g = m.lockSync();
      g.value[0]++;
      g.unlock();
    }
  } else {
    for (let i = 0; i < pairs; i++) {
      bareLock(bare);
      bare[1]++;
      bareUnlock(bare);
    }
  }
  return performance.now() - t;
}

/**
 * Runs the sync workloads; `record(workload, contender, value, unit, note, facts)` receives each
 * figure, `facts` as in benchmark-chart.mjs (baseline, targets).
 */
export async function syncSuite({ quick, record }) {
  const rounds = quick ? 3 : 7;
  const pairs = quick ? 2_000_000 : 10_000_000;
  const times = (value, base, what) => `${(value / base).toFixed(2)}x ${what}`;
  // 1. Uncontended lockSync/unlock in a worker.
  {
    const m = new Mutex();
    const bare = new Int32Array(new SharedArrayBuffer(8));
    const [r] = await parallelMap([0], uncontended, { context: { m, bare, pairs, rounds }, inline: 'never' });
    const workload = 'uncontended lock/unlock in a worker';
    record(workload, 'bare futex', r.bestBare, 'ns/pair', '', { baseline: true });
    record(workload, 'weft lockSync()/unlock()', r.bestWeft, 'ns/pair', `${times(r.bestWeft, r.bestBare, 'the bare futex')}; target <= 1.5x`, {
      targets: [{ speedup: 1 / 1.5 }],
    });
    record(workload, 'weft lockSync() + try/finally dispose', r.bestUsing, 'ns/pair', times(r.bestUsing, r.bestBare, 'the bare futex'));
  }

  // 2. Two workers contending on one lock.
  {
    const contendedPairs = Math.floor(pairs / 2);
    const best = { weft: 0, bare: 0 };
    for (let r = 0; r < rounds; r++) {
      for (const kind of ['bare', 'weft']) {
        const m = new Mutex(new Int32Array(new SharedArrayBuffer(4)));
        const bare = new Int32Array(new SharedArrayBuffer(8));
        const start = new Int32Array(new SharedArrayBuffer(4));
        const ms = await parallelMap([0, 1], contended, {
          context: { m, bare, start, pairs: contendedPairs, kind },
          inline: 'never',
          chunkSize: 1,
        });
        let total = bare[1];
        if (kind === 'weft') {
          const g = await m.lock();
          total = g.value[0];
          g.unlock();
        }
        if (total !== 2 * contendedPairs) throw new Error(`${kind}: lost updates: ${total} of ${2 * contendedPairs}`);
        const rate = (2 * contendedPairs) / (Math.max(...ms) * 1e3);
        best[kind] = Math.max(best[kind], rate);
      }
    }
    const workload = '2 workers contending on one lock';
    record(workload, 'bare futex', best.bare, 'M pairs/s', '', { baseline: true });
    record(workload, 'weft Mutex lockSync()', best.weft, 'M pairs/s', `${times(best.weft, best.bare, 'the bare futex')}; target >= 10 M pairs/s`, {
      targets: [{ value: 10 }],
    });
  }

  // 3. `await lock()` uncontended on the main thread.
  {
    const n = quick ? 200_000 : 1_000_000;
    const m = new Mutex();
    const bare = new Int32Array(new SharedArrayBuffer(8));
    let bestWeft = Infinity;
    let bestBare = Infinity;
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      for (let i = 0; i < n; i++) {
        // The bare equivalent of an async lock: a compareExchange, an await, a release.
        await (Atomics.compareExchange(bare, 0, 0, 1) === 0 ? Promise.resolve() : Promise.reject(new Error('contended')));
        Atomics.store(bare, 0, 0);
      }
      bestBare = Math.min(bestBare, ((performance.now() - t) * 1e6) / n);
      t = performance.now();
      for (let i = 0; i < n; i++) (await m.lock()).unlock();
      bestWeft = Math.min(bestWeft, ((performance.now() - t) * 1e6) / n);
    }
    const workload = 'uncontended await lock + unlock on the main thread';
    record(workload, 'bare futex, awaited', bestBare, 'ns/pair', '', { baseline: true });
    record(workload, 'weft `await m.lock()` + unlock()', bestWeft, 'ns/pair', `${times(bestWeft, bestBare, 'the bare futex')}; target < 2000 ns`, {
      targets: [{ value: 2000 }],
    });
  }

  // 4. AtomicInt32.add against Atomics.add on a bare Int32Array, in a worker (for reference).
  {
    const [r] = await parallelMap(
      [0],
      (_x, _i, ctx) => {
        let bestCell = Infinity;
        let bestBare = Infinity;
        for (let k = 0; k < ctx.rounds; k++) {
          let t = performance.now();
          for (let i = 0; i < ctx.pairs; i++) Atomics.add(ctx.bare, 0, 1);
          bestBare = Math.min(bestBare, ((performance.now() - t) * 1e6) / ctx.pairs);
          t = performance.now();
          for (let i = 0; i < ctx.pairs; i++) ctx.cell.add(1);
          bestCell = Math.min(bestCell, ((performance.now() - t) * 1e6) / ctx.pairs);
        }
        return { bestCell, bestBare };
      },
      { context: { cell: new AtomicInt32(0), bare: new Int32Array(new SharedArrayBuffer(4)), pairs, rounds }, inline: 'never' },
    );
    const workload = 'atomic add in a worker';
    record(workload, 'Atomics.add on an Int32Array', r.bestBare, 'ns/op', '', { baseline: true });
    record(workload, 'weft AtomicInt32.add', r.bestCell, 'ns/op', times(r.bestCell, r.bestBare, 'Atomics.add'));
  }
}
