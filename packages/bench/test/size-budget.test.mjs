// Not a timing test: bundle size is deterministic for a given build and esbuild version.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SIZE_BUDGET_BYTES, browserBundleSize } from '../src/size-suite.mjs';

test(`weftjs in a browser bundle stays within its budget (${SIZE_BUDGET_BYTES} bytes min+gzip)`, async () => {
  const { minified, gzipped } = await browserBundleSize();
  assert.ok(minified > gzipped && gzipped > 10_000, `implausible sizes: ${minified} minified, ${gzipped} gzipped`);
  assert.ok(gzipped <= SIZE_BUDGET_BYTES, `${gzipped} bytes min+gzip is over the budget of ${SIZE_BUDGET_BYTES}`);
});
