// The fast-check property over par() chains: every chain of
// runtime-tests/src/suites/par-chains.mjs equals the same chain of Array
// methods on generated inputs, chunk sizes, concurrencies and inline modes.
// fast-check is a Node dev dependency, so this stays in vitest (both projects);
// the portable suite (par.mjs) checks the same chains on fixed seeded inputs on every runtime.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { par } from 'weftjs';
import { checkChains } from '../../../../runtime-tests/src/suites/par-chains.mjs';

it('par: chains equal the same chain of Array methods on generated inputs, chunk sizes, concurrencies and inline modes', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 300 }),
      fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      fc.constantFrom<'auto' | 'never'>('auto', 'never'),
      fc.integer({ min: 2, max: 9 }),
      async (items, chunkSize, concurrency, inline, k) => {
        const options = { context: { k }, inline, ...(chunkSize ? { chunkSize } : {}), ...(concurrency ? { concurrency } : {}) };
        await checkChains(par, expect, items, options);
      },
    ),
    { numRuns: 10, seed: 1606 },
  );
}, 120_000);
