// The static types of module functions, checked by tsc (`npm run typecheck -w weftjs`
// compiles test/): a parallelMap over a defineTask function has the task's
// result type. Their behaviour is in the portable suite (runtime-tests/src/suites/module-tasks.mjs);
// the calls below are type-checked, never run.
import { expectTypeOf, it } from 'vitest';
import { parallelMap } from 'weftjs';
import { countStatements, shout } from '../../fixtures/text-tasks.mjs';

async function typedCalls(): Promise<void> {
  const counts = await parallelMap(['let a = 1;'], countStatements, { inline: 'never' });
  expectTypeOf(counts).toEqualTypeOf<number[]>();
  const out = await parallelMap(['a'], shout, { context: { suffix: '!' }, inline: 'never' });
  expectTypeOf(out).toEqualTypeOf<string[]>();
}

it('parallelMap over a defineTask function has the task’s result type (checked by tsc)', () => {
  expectTypeOf(typedCalls).returns.toEqualTypeOf<Promise<void>>();
});
