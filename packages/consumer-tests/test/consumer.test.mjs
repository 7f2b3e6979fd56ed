// Consumer tests: do what a user does. Pack weftjs, install the tarball into a
// fresh app in os.tmpdir(), and run it the ways users run it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const weftDir = join(repoRoot, 'packages/weft');
const RUN_TIMEOUT = 60_000;

// Sum of squares of 0..9999, computed in closed form: n(n+1)(2n+1)/6 with n = 9999.
const N = 10_000;
const EXPECTED = ((N - 1) * N * (2 * N - 1)) / 6; // 333283335000

let work;
let app;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? app,
    encoding: 'utf8',
    timeout: opts.timeout ?? RUN_TIMEOUT,
    killSignal: 'SIGKILL',
    env: { ...process.env, ...opts.env },
    shell: false,
  });
  const detail = `$ ${cmd} ${args.join(' ')}\nstatus=${r.status} signal=${r.signal} error=${r.error?.message ?? ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  return { ...r, detail };
}

function ok(cmd, args, opts) {
  const r = run(cmd, args, opts);
  assert.equal(r.error, undefined, r.detail);
  assert.equal(r.status, 0, r.detail);
  return r;
}

/** The app prints one JSON line: {"seq": ..., "par": ...}. */
function checkResult(r) {
  const line = r.stdout.trim().split('\n').filter(Boolean).pop();
  assert.ok(line, r.detail);
  const out = JSON.parse(line);
  assert.equal(out.seq, EXPECTED, r.detail);
  assert.equal(out.par, EXPECTED, r.detail);
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

before(() => {
  assert.ok(existsSync(join(weftDir, 'dist/index.js')), 'weftjs must be built first (turbo builds it: devDependency weftjs)');
  work = mkdtempSync(join(tmpdir(), 'weft-consumer-'));
  app = join(work, 'app');
  const pack = ok(npm, ['pack', '--pack-destination', work, '--silent'], { cwd: weftDir, timeout: 120_000 });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, pack.detail);

  spawnSync('mkdir', [app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'weft-consumer-app', version: '1.0.0', private: true }, null, 2));
  ok(
    npm,
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--no-package-lock',
      join(work, tarball),
      'typescript@~6.0.3',
      '@types/node@^20',
      'esbuild@^0.28.2',
      'rollup@4',
      '@rollup/plugin-node-resolve@^16',
    ],
    { cwd: app, timeout: 300_000 },
  );

  // The app's sources.
  const compute = (imp) => `${imp}
const items = Array.from({ length: ${N} }, (_, i) => i);
const seq = items.reduce((s, x) => s + x * x, 0);
const squares = await parallelMap(items, (x) => x * x, { inline: 'never' });
const par = squares.reduce((s, x) => s + x, 0);
console.log(JSON.stringify({ seq, par }));
`;
  writeFileSync(join(app, 'esm.mjs'), compute(`import { parallelMap } from 'weftjs';`));
  writeFileSync(
    join(app, 'cjs.cjs'),
    `const { parallelMap } = require('weftjs');
(async () => {
${compute('')}
})().catch((err) => { console.error(err); process.exit(1); });
`,
  );

  // A task module of its own (no top-level work) and an app that uses it.
  writeFileSync(
    join(app, 'tasks.mjs'),
    `import { defineTask } from 'weftjs';
export const square = defineTask(import.meta.url, (x) => x * x);
`,
  );
  writeFileSync(
    join(app, 'app.mjs'),
    `import { parallelMap } from 'weftjs';
import { square } from './tasks.mjs';
const items = Array.from({ length: ${N} }, (_, i) => i);
const seq = items.reduce((s, x) => s + x * x, 0);
const par = (await parallelMap(items, square, { inline: 'never' })).reduce((s, x) => s + x, 0);
console.log(JSON.stringify({ seq, par }));
`,
  );
  writeFileSync(
    join(app, 'rollup.config.mjs'),
    `import { nodeResolve } from '@rollup/plugin-node-resolve';
export default {
  input: { app: 'app.mjs', tasks: 'tasks.mjs' },
  output: { dir: 'out-rollup', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs' },
  plugins: [nodeResolve({ exportConditions: ['node'] })],
};
`,
  );
});

after(() => {
  if (work && !process.env.WEFT_KEEP_CONSUMER_APP) rmSync(work, { recursive: true, force: true });
});

test('ESM: import { parallelMap } from "weftjs"', () => {
  checkResult(ok(process.execPath, ['esm.mjs']));
});

test('CJS: require("weftjs") from a .cjs file', () => {
  checkResult(ok(process.execPath, ['cjs.cjs']));
});

test('TypeScript: .cts and .mts type-check under nodenext, and a type error is caught', () => {
  const body = `const items: number[] = [1, 2, 3];
async function main(): Promise<void> {
  const out = await parallelMap(items, (x: number) => x * 2);
  const n: number[] = out;
  // @ts-expect-error number[] is not string[]
  const s: string[] = out;
  void n; void s;
}
void main();
`;
  writeFileSync(join(app, 'check.mts'), `import { parallelMap } from 'weftjs';\n${body}`);
  writeFileSync(join(app, 'check.cts'), `import { parallelMap } from 'weftjs';\n${body}`);
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], skipLibCheck: false },
        files: ['check.mts', 'check.cts'],
      },
      null,
      2,
    ),
  );
  const tsc = join(app, 'node_modules/typescript/bin/tsc');
  ok(process.execPath, [tsc, '-p', 'tsconfig.json'], { timeout: 120_000 });

  // Without the @ts-expect-error the same code must fail: the check can fail.
  for (const f of ['check.mts', 'check.cts']) {
    writeFileSync(join(app, f), readFileSync(join(app, f), 'utf8').replace(/^\s*\/\/ @ts-expect-error.*\n/m, ''));
  }
  const bad = run(process.execPath, [tsc, '-p', 'tsconfig.json'], { timeout: 120_000 });
  assert.notEqual(bad.status, 0, bad.detail);
  assert.match(bad.stdout, /check\.mts.*TS2322/, bad.detail);
  assert.match(bad.stdout, /check\.cts.*TS2322/, bad.detail);
});

test('esbuild: task module as its own entry point (--splitting) runs correctly', () => {
  const esbuild = join(app, 'node_modules/.bin/esbuild');
  ok(esbuild, ['app.mjs', 'tasks.mjs', '--bundle', '--platform=node', '--format=esm', '--outdir=out-esbuild', '--splitting', '--out-extension:.js=.mjs', '--log-level=warning'], { timeout: 120_000 });
  checkResult(ok(process.execPath, ['out-esbuild/app.mjs']));
});

test('rollup: input { app, tasks } with output.dir runs correctly', () => {
  const rollup = join(app, 'node_modules/rollup/dist/bin/rollup');
  ok(process.execPath, [rollup, '-c', 'rollup.config.mjs', '--silent'], { timeout: 120_000 });
  checkResult(ok(process.execPath, ['out-rollup/app.mjs']));
});

const bun = join(repoRoot, 'node_modules/.bin/bun');
test('Bun: bun run esm.mjs', { skip: !existsSync(bun) && 'no bun in the repo' }, () => {
  checkResult(ok(bun, ['run', 'esm.mjs']));
});

const deno = join(repoRoot, 'node_modules/.bin/deno');
test('Deno: deno run esm.mjs', { skip: !existsSync(deno) && 'no deno in the repo' }, () => {
  checkResult(ok(deno, ['run', '--allow-read', '--allow-env', '--allow-sys', '--node-modules-dir=manual', 'esm.mjs'], { env: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } }));
});

test('a task module bundled into the app fails with the error naming the module and the fix, never a fork bomb', () => {
  const esbuild = join(app, 'node_modules/.bin/esbuild');
  ok(esbuild, ['app.mjs', '--bundle', '--platform=node', '--format=esm', '--outfile=out-merged/app.mjs', '--log-level=warning'], { timeout: 120_000 });
  const r = run(process.execPath, ['out-merged/app.mjs']);
  // A fork bomb shows up as the timeout killing the process (signal SIGKILL / ETIMEDOUT).
  assert.equal(r.error, undefined, r.detail);
  assert.equal(r.signal, null, r.detail);
  assert.notEqual(r.status, 0, r.detail);
  assert.match(r.stderr, /parallelMap was called while a worker was importing the task module file:\/\/\S*out-merged\/app\.mjs/, r.detail);
  assert.match(r.stderr, /separate entry points or chunks of the bundle \(see the bundlers guide\)/, r.detail);
});
