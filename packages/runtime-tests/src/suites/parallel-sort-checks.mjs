// What parallelSort must equal: Array#sort / TypedArray#sort of the same items. Shared by the portable suite
// (parallel-sort.mjs, seeded inputs on every runtime) and the fast-check property
// (weft/test/conformance/node-only/parallel-sort.property.test.ts, generated inputs on Node).

/** '' when `actual` holds the same items as `expected` (Object.is, holes included), else where and how they differ. */
export function difference(actual, expected) {
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]) || i in actual !== i in expected) {
      const show = (a) => (i in a ? String(a[i]) : 'a hole');
      return `index ${i}: ${show(actual)}, expected ${show(expected)}`;
    }
  }
  return '';
}

/** Orders numbers by their floor, NaN last: it ties different numbers, so stability shows. (Consistent for NaN too: a comparator that returns NaN makes the order implementation-defined.) */
export const byFloor = (a, b) => {
  const ka = a !== a ? Infinity : Math.floor(a);
  const kb = b !== b ? Infinity : Math.floor(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** Descending, NaN last; -0 and +0 tie. */
export const descending = (a, b) => (a !== a ? (b !== b ? 0 : 1) : b !== b ? -1 : b < a ? -1 : a < b ? 1 : 0);

/** Numbers: the default (string) order, a comparator with ties, and the same numbers in a shared Float64Array. */
export async function checkNumbers(parallelSort, expect, items, options) {
  const what = JSON.stringify(options);
  const plain = items.slice();
  expect(await parallelSort(plain, options)).toBe(plain);
  expect(`${what} default: ${difference(plain, items.slice().sort())}`).toBe(`${what} default: `);
  const floors = items.slice();
  await parallelSort(floors, byFloor, options);
  expect(`${what} byFloor: ${difference(floors, items.slice().sort(byFloor))}`).toBe(`${what} byFloor: `);
  const shared = new Float64Array(new SharedArrayBuffer(items.length * 8));
  shared.set(items);
  expect(await parallelSort(shared, options)).toBe(shared);
  expect(`${what} Float64Array: ${difference(shared, Float64Array.from(items).sort())}`).toBe(`${what} Float64Array: `);
}

/** Records `{ key, id }` by key, ascending or descending through the context: equal keys keep their input order. */
export async function checkRecords(parallelSort, expect, keys, options, down) {
  const records = keys.map((key, id) => ({ key, id }));
  const expected = records.slice().sort((a, b) => (down ? b.key - a.key : a.key - b.key));
  const sorted = await parallelSort(records, (a, b, ctx) => (ctx.down ? b.key - a.key : a.key - b.key), { ...options, context: { down } });
  expect(sorted).toBe(records);
  const what = `${JSON.stringify(options)} down=${down}`;
  expect(`${what}: ${difference(sorted, expected)}`).toBe(`${what}: `);
}

/** Any items in the default order: undefined items last, then holes. */
export async function checkDefaultOrder(parallelSort, expect, items, options) {
  const mine = items.slice();
  expect(await parallelSort(mine, options)).toBe(mine);
  const what = JSON.stringify(options);
  expect(`${what}: ${difference(mine, items.slice().sort())}`).toBe(`${what}: `);
}
