/**
 * The vitest adapter of the portable conformance suite
 * (packages/runtime-tests/src/suites): each `<suite>.test.ts` beside this
 * file imports one suite, which registers its tests with the portable
 * harness, and then calls `registerPortableTests()` to turn every registered
 * test into a vitest test. Both vitest projects run them: `workers`, and
 * `native` (WEFT_BACKEND=native over the Thread API shim), so the one suite
 * runs on both backends here and on Bun, Deno and Chromium in `npm test -w @weft/runtime-tests`.
 */
import { it } from 'vitest';
import { registeredTests } from '../../../../runtime-tests/src/harness.mjs';

/** Register every test the imported portable suite(s) registered, as vitest tests; a skipped one shows its reason. */
export function registerPortableTests(): void {
  for (const test of registeredTests()) {
    if (test.skip) it.skip(`${test.name} [${test.skip}]`, () => undefined);
    else it(test.name, async () => void (await test.fn()), test.timeout);
  }
}
