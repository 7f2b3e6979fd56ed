// `npm test` for this workspace: the portable suite against the built weft on
// Node, Bun and Deno (one child process each), then in headless Chromium
// (the suite page, a page without COOP/COEP, and the built Vite example).
// Prints a summary line per runtime and `# pass N` / `# fail N` for CI.
// Node 22 and 24 come from npm (node-runtimes/, installed by this package's
// postinstall); they run the same suite as the Node that runs npm.
//   WEFT_RUNTIMES=node,node22,node24,bun,deno,chromium   which runtimes (default: all)
//   WEFT_VERBOSE=1                          print every test, and every child's stderr
//   CHROMIUM_PATH=/path/to/chromium         the browser (default: the one @sparticuz/chromium ships)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installedNpmNode } from '../node-runtimes/locate.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const verbose = process.env.WEFT_VERBOSE === '1';
const wanted = (process.env.WEFT_RUNTIMES ?? 'node,node22,node24,bun,deno,chromium').split(',').map((s) => s.trim());
// Deno runs the suite about ten times slower than Node or Bun today, mostly waiting (a call whose item
// fails often takes about 1 s there, against milliseconds on Node), so a runtime gets 6 minutes.
const SUITE_TIMEOUT_MS = 360_000;
/** After its result line, a child must exit on its own this fast: idle Weft workers may not keep a process alive. */
const EXIT_GRACE_MS = 10_000;

/** `node_modules/.bin/<name>` in this package or a folder above it (npm workspaces hoist to the root). */
function findBin(name) {
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '.bin', name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

const runtimes = {
  node: { command: process.execPath, args: [], version: [process.execPath, ['--version']] },
  node22: { command: installedNpmNode(22), args: [], version: [installedNpmNode(22), ['--version']], absent: 'no Node 22 in node-runtimes/: npm install at the repository root brings it (linux-x64 only)' },
  node24: { command: installedNpmNode(24), args: [], version: [installedNpmNode(24), ['--version']], absent: 'no Node 24 in node-runtimes/: npm install at the repository root brings it (linux-x64 only)' },
  bun: { command: findBin('bun'), args: [], version: [findBin('bun'), ['--version']] },
  // Read: the suite and node_modules; env: WEFT_BACKEND; Weft itself needs nothing more.
  deno: { command: findBin('deno'), args: ['run', '--allow-read', '--allow-env'], version: [findBin('deno'), ['--version']] },
};

function capture(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', () => resolve('unknown'));
    child.on('close', () => resolve(/\d+\.\d+\.\d+\S*/.exec(out)?.[0] ?? 'unknown'));
  });
}

const failedRun = (runtime, why) => ({ runtime, passed: 0, failed: 1, skipped: 0, ms: 0, failures: [{ name: 'running the suite', error: why }] });

/** Run the suite in a child process of `name`; bounded by SUITE_TIMEOUT_MS, and the child is always gone afterwards. */
async function runChild(name) {
  const { command, args, absent } = runtimes[name];
  if (!command) return failedRun(name, absent ?? `no ${name} binary in node_modules/.bin: run npm install at the repository root`);
  const started = Date.now();
  const child = spawn(command, [...args, join(here, 'run-suite.mjs')], {
    cwd: dirname(here),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so a kill takes everything it started
    env: { ...process.env, NO_COLOR: '1' },
  });
  const kill = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let result;
  let stdoutRest = '';
  const stderrLines = [];
  let exitTimer;
  let exited = false;
  const done = new Promise((resolve) => {
    child.on('error', (err) => resolve(failedRun(name, `could not start ${command}: ${err.message}`)));
    child.on('close', (code, signal) => {
      exited = true;
      if (result) resolve(result);
      else resolve(failedRun(name, `${name} exited (code ${code}, signal ${signal}) before reporting a result`));
    });
  });
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    const lines = (stdoutRest + chunk).split('\n');
    stdoutRest = lines.pop();
    for (const line of lines) {
      if (line.startsWith('@@weft-result ')) {
        result = JSON.parse(line.slice('@@weft-result '.length));
        exitTimer = setTimeout(() => {
          if (exited) return;
          result.failed++;
          result.failures.push({ name: 'process exit', error: `${name} did not exit within ${EXIT_GRACE_MS} ms of finishing: something (an idle pool?) kept it alive` });
          kill();
        }, EXIT_GRACE_MS);
      } else if (verbose || !line.startsWith('  ok ')) console.log(`[${name}] ${line}`);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk) => stderrLines.push(...chunk.split('\n').filter(Boolean)));
  const timer = setTimeout(() => {
    if (!result) result = failedRun(name, `the suite did not finish within ${SUITE_TIMEOUT_MS / 1000} s`);
    kill();
  }, SUITE_TIMEOUT_MS);
  const outcome = await done;
  clearTimeout(timer);
  clearTimeout(exitTimer);
  kill();
  if (stderrLines.length) {
    if (verbose || outcome.failed > 0) for (const line of stderrLines) console.log(`[${name} stderr] ${line}`);
    else console.log(`[${name}] (${stderrLines.length} lines on stderr, e.g. the runtime reporting the deliberately crashed workers; WEFT_VERBOSE=1 shows them)`);
  }
  outcome.ms = Date.now() - started;
  return outcome;
}

const summary = [];
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
function report(label, result) {
  summary.push({ label, result });
  for (const f of result.failures) console.log(`[${label}] FAIL ${f.name}\n    ${f.error}`);
}

/** Run the suite on runtime `name`; resolves to `{ label, result }`. */
async function runRuntime(name) {
  const version = runtimes[name].command ? await capture(...runtimes[name].version) : 'absent';
  const label = name.startsWith('node') ? `node ${version}` : `${name} ${version}`;
  console.log(`\n== ${label}`);
  return { label, result: await runChild(name) };
}

const t0 = Date.now();
// Deno spends most of its run waiting, not computing (see SUITE_TIMEOUT_MS), so it runs alongside
// the others instead of after them; its lines carry its name like everyone's.
const deno = wanted.includes('deno') ? runRuntime('deno') : undefined;
for (const name of ['node', 'node22', 'node24', 'bun']) {
  if (!wanted.includes(name)) continue;
  const { label, result } = await runRuntime(name);
  report(label, result);
}
if (deno) {
  const { label, result } = await deno;
  report(label, result);
}

if (wanted.includes('chromium')) {
  console.log('\n== chromium');
  const { chromiumPath, runChromium } = await import('./browser/run-chromium.mjs');
  const browserPath = await chromiumPath().catch((err) => `(unavailable: ${err.message})`);
  if (!existsSync(browserPath)) {
    report('chromium', failedRun('chromium', `no browser at ${browserPath}: npm install brings one with @sparticuz/chromium; or set CHROMIUM_PATH`));
  } else {
    const started = Date.now();
    try {
      const { version, results } = await runChromium({ log: (line) => (verbose || !line.startsWith('  ok ') ? console.log(`[chromium] ${line}`) : undefined) });
      for (const { label, result } of results) report(`chromium ${version}, ${label}`, result);
    } catch (err) {
      report('chromium', failedRun('chromium', `${err.message}`));
    }
    console.log(`[chromium] ${seconds(Date.now() - started)}`);
  }
}

let passed = 0;
let failed = 0;
let skipped = 0;
console.log('\nWeft on every runtime (the portable suite against packages/weft/dist):');
for (const { label, result } of summary) {
  passed += result.passed;
  failed += result.failed;
  skipped += result.skipped;
  console.log(`  ${result.failed ? 'FAIL' : 'ok  '} ${label.padEnd(40)} ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped (${seconds(result.ms)})`);
}
console.log(`  all runtimes: ${passed} passed, ${failed} failed, ${skipped} skipped in ${seconds(Date.now() - t0)}`);
console.log(`# pass ${passed}`);
console.log(`# fail ${failed}`);
process.exitCode = failed > 0 || summary.length === 0 ? 1 : 0;
