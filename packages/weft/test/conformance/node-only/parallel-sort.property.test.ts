// The fast-check property over parallelSort: on generated inputs, run lengths, concurrencies and inline modes,
// the outcome equals Array#sort / TypedArray#sort (stability, NaN, -0, undefined and holes). fast-check is a Node
// dev dependency, so this stays in vitest (both projects); the portable suite (parallel-sort.mjs) runs the same
// checks on seeded inputs on every runtime.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { parallelSort } from 'weftjs';
import { checkDefaultOrder, checkNumbers, checkRecords } from '../../../../runtime-tests/src/suites/parallel-sort-checks.mjs';

const optionsArb = fc.record(
  {
    chunkSize: fc.integer({ min: 1, max: 60 }),
    concurrency: fc.integer({ min: 1, max: 4 }),
    inline: fc.constantFrom<'auto' | 'never'>('auto', 'never'),
  },
  { requiredKeys: ['inline'] },
);

const numberArb = fc.oneof(
  fc.integer({ min: -50, max: 50 }),
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 0.5, -0.5, 1e21, 5e-324),
);

it('parallelSort: numbers, in the default order, by a comparator that ties, and as a shared Float64Array', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(numberArb, { maxLength: 250 }), optionsArb, (items, options) => checkNumbers(parallelSort, expect, items, options)),
    { numRuns: 40, seed: 1616 },
  );
}, 120_000);

it('parallelSort: records by key keep their order within a key, with context as the third argument', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 300 }), optionsArb, fc.boolean(), (keys, options, down) =>
      checkRecords(parallelSort, expect, keys, options, down),
    ),
    { numRuns: 30, seed: 2024 },
  );
}, 120_000);

it('parallelSort: mixed items in the default order, undefined last, then holes', async () => {
  const itemArb = fc.oneof(fc.string({ maxLength: 3 }), fc.integer({ min: -20, max: 20 }), fc.constantFrom(null, true, false, 10n, undefined, 'Ä', '\u{1F600}'));
  await fc.assert(
    fc.asyncProperty(fc.sparseArray(itemArb, { maxLength: 120 }), optionsArb, (items, options) => checkDefaultOrder(parallelSort, expect, items, options)),
    { numRuns: 40, seed: 77 },
  );
}, 120_000);
