// An idle pool must not keep the process alive: checked in a child process
// (node:child_process), so this stays Node-only (vitest, both projects). The
// portable runner checks the same of every runtime's suite process as a whole
// (runtime-tests/src/run-all.mjs fails a runtime whose process does not exit).
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { onNative } from '../../backend.js';

it('an idle pool (and the default pool) never keep the process alive', () => {
  const script = [
    "import { Pool, parallelMap } from 'weftjs';",
    // The native project's child needs the Thread API too (WEFT_BACKEND=native is inherited).
    ...(onNative ? ["import { createRequire } from 'node:module';", "createRequire(import.meta.url)('@weft/thread-shim');"] : []),
    'const pool = new Pool({ size: 2 });',
    'console.log(await pool.run((x) => x + 1, 1));',
    "console.log((await parallelMap([1, 2, 3], (x) => x * 2, { inline: 'never' })).join(','));",
    '// No close(): the process must still exit on its own.',
  ].join('\n');
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), timeout: 20_000, encoding: 'utf8' });
  expect(child.error).toBeUndefined();
  expect(child.stderr).toBe('');
  expect(child.stdout).toBe('2\n2,4,6\n');
  expect(child.status).toBe(0);
});
