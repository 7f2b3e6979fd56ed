// Not a suite: the par() chains that must equal the same chain of Array
// methods, shared by the portable suite (par.mjs, on seeded inputs) and the
// fast-check property over them (weft/test/conformance/node-only/par-chains.property.test.ts).
// Each stage function is capture-free: what it needs comes through the context ({ k }).

function firstMinBy(items, key) {
  let best;
  for (const v of items) if (best === undefined || key(v) < key(best)) best = v;
  return best;
}

function lastMaxBy(items, key) {
  let best;
  for (const v of items) if (best === undefined || key(v) >= key(best)) best = v;
  return best;
}

/** `{ name, parallel(parIter), sequential(items, k) }` for each chain. */
export const chains = [
  { name: 'map.toArray', parallel: (p) => p.map((x, i) => x * 2 + i).toArray(), sequential: (a) => a.map((x, i) => x * 2 + i) },
  {
    name: 'map.filter.sum',
    parallel: (p) => p.map((x) => x * x).filter((x, _i, ctx) => x % ctx.k === 0).sum(),
    sequential: (a, k) => a.map((x) => x * x).filter((x) => x % k === 0).reduce((s, x) => s + x, 0),
  },
  {
    name: 'flatMap.filter.toArray (source indices)',
    parallel: (p) => p.flatMap((x, i) => (x % 3 === 0 ? [] : x % 3 === 1 ? [x, i] : x)).filter((v, i) => (v + i) % 2 === 0).map((v, i) => [v, i]).toArray(),
    sequential: (a) => {
      const out = [];
      a.forEach((x, i) => {
        const r = x % 3 === 0 ? [] : x % 3 === 1 ? [x, i] : [x];
        for (const v of r) if ((v + i) % 2 === 0) out.push([v, i]);
      });
      return out;
    },
  },
  { name: 'count', parallel: (p) => p.filter((x, _i, ctx) => x > ctx.k).count(), sequential: (a, k) => a.filter((x) => x > k).length },
  { name: 'map.reduce', parallel: (p) => p.map((x) => x * 3).reduce((a, b) => a + b, 0), sequential: (a) => a.map((x) => x * 3).reduce((s, x) => s + x, 0) },
  {
    name: 'reduce with an object identity (copied per chunk)',
    parallel: (p) =>
      p.map((x) => [x]).reduce((a, b) => {
        a.push(...b);
        return a;
      }, []),
    sequential: (a) => a.slice(),
  },
  { name: 'min', parallel: (p) => p.map((x) => x % 17).min(), sequential: (a) => (a.length ? Math.min(...a.map((x) => x % 17)) : undefined) },
  { name: 'max by key', parallel: (p) => p.map((x, i) => ({ x, i })).max((a, b) => (a.x % 5) - (b.x % 5)), sequential: (a) => lastMaxBy(a.map((x, i) => ({ x, i })), (v) => v.x % 5) },
  {
    name: 'min by key (first of equals)',
    parallel: (p) => p.map((x, i) => ({ x, i })).min((a, b) => (a.x % 5) - (b.x % 5)),
    sequential: (a) => firstMinBy(a.map((x, i) => ({ x, i })), (v) => v.x % 5),
  },
  {
    name: 'fold (histogram)',
    parallel: (p) =>
      p.fold(
        () => new Array(8).fill(0),
        (acc, x) => {
          acc[x % 8] += 1;
          return acc;
        },
        (a, b) => a.map((n, j) => n + b[j]),
      ),
    sequential: (a) =>
      a.reduce((acc, x) => {
        acc[x % 8] += 1;
        return acc;
      }, new Array(8).fill(0)),
  },
  { name: 'find', parallel: (p) => p.find((x, _i, ctx) => x % ctx.k === 0 && x > 50), sequential: (a, k) => a.find((x) => x % k === 0 && x > 50) },
  { name: 'findIndex', parallel: (p) => p.findIndex((x, _i, ctx) => x === ctx.k * 7), sequential: (a, k) => a.findIndex((x) => x === k * 7) },
  {
    name: 'filter.findIndex is a source index',
    parallel: (p) => p.filter((x) => x % 2 === 0).findIndex((x) => x > 60),
    sequential: (a) => a.findIndex((x) => x % 2 === 0 && x > 60),
  },
  { name: 'some', parallel: (p) => p.some((x, _i, ctx) => x === ctx.k * 11), sequential: (a, k) => a.some((x) => x === k * 11) },
  { name: 'every', parallel: (p) => p.every((x) => x < 95), sequential: (a) => a.every((x) => x < 95) },
];

/**
 * Check every chain on `items` with `options` (which carry `context: { k }`),
 * over numbers (read in place from shared memory) and over records (object
 * items travel in chunks). `par` and `expect` come from the caller.
 */
export async function checkChains(par, expect, items, options) {
  const records = items.map((v) => ({ v }));
  for (const chain of chains) {
    const expected = chain.sequential(items, options.context.k);
    const what = `${chain.name} chunkSize=${options.chunkSize} concurrency=${options.concurrency} inline=${options.inline}`;
    expect(await chain.parallel(par(items, options)), `${what} (numbers)`).toEqual(expected);
    expect(await chain.parallel(par(records, options).map((r) => r.v)), `${what} (records)`).toEqual(expected);
  }
}
