// `--runtime bun|deno`: run the benchmark program itself on Bun or Deno (both
// installed as npm packages at the repository root), then exit with its status.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * If `runtime` is 'bun' or 'deno', re-run `script` with `args` (minus `--runtime`)
 * there and exit. Defaults for that run: `--only map,pool` (the portable suites)
 * and `--out docs/benchmarks-<runtime>.md`.
 */
export function relaunchOnRuntime(script, args, runtime) {
  if (runtime === undefined || runtime === 'node') return;
  if (runtime !== 'bun' && runtime !== 'deno') throw new RangeError(`--runtime: expected node, bun or deno, received ${JSON.stringify(runtime)}`);
  const bin = fileURLToPath(new URL(`../../../node_modules/.bin/${runtime}`, import.meta.url));
  if (!existsSync(bin)) throw new Error(`--runtime ${runtime}: ${bin} is missing; run npm install at the repository root`);
  const at = args.indexOf('--runtime');
  const rest = args.filter((_, i) => i !== at && i !== at + 1);
  if (!rest.includes('--only')) rest.push('--only', 'map,pool');
  if (!rest.includes('--out')) rest.push('--out', fileURLToPath(new URL(`../../../docs/benchmarks-${runtime}.md`, import.meta.url)));
  const file = fileURLToPath(script);
  const child = spawnSync(bin, runtime === 'deno' ? ['run', '-A', file, ...rest] : [file, ...rest], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
