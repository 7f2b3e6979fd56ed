// The cluster suite needs a real redis-server. Without one, say so in one line and pass,
// unless WEFT_REQUIRE_REDIS=1 (CI), where a skipped suite is a failure.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hasRedisServer } from './redis-server.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
if (!hasRedisServer()) {
  const required = process.env.WEFT_REQUIRE_REDIS === '1';
  const what = required ? 'FAILED (WEFT_REQUIRE_REDIS=1)' : 'skipped';
  console.log(`weftjs-cluster: cluster suite ${what}: no redis-server on PATH (install it to run the suite: apt install redis-server)`);
  process.exit(required ? 1 : 0);
}
const files = readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => `${here}${f}`);
const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(run.status ?? 1);
