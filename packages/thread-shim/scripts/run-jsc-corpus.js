#!/usr/bin/env node
'use strict';
// Runs the upstream Thread API corpus (oven-sh/WebKit JSTests/threads)
// against this shim, one fresh Node process per file and run configuration,
// in JSC-shell conventions (jsc-shell.js), and prints a summary per folder.
//
//   node scripts/run-jsc-corpus.js [corpusDir] [--all] [--node <bin>]
//        [--timeout <s>] [--filter <substring>] [--json <out.json>]
//
// corpusDir defaults to /work/jsc-corpus/JSTests/threads (or $JSC_CORPUS).
// Folders: api, sync, races, lifecycle, atomics (--all: every folder and the
// top level). Files under a resources/ folder are helpers, not tests.
//
// What is runnable is decided from the files' `//@` directives:
//  - `//@ skip...`                          -> not runnable (skipped upstream too)
//  - the GIL off: `threadsRequireGILOff`, `--useThreadGILOffUnsafe=1`,
//    `--useThreadGIL=0`, `threadsEnv("JSC_useThreadGIL=0", ...)`
//                                           -> not runnable (the shim is the GIL-on phase)
//  - requireOptions / run options / threadsEnv, by OPTIONS below: honored,
//    inert (engine-internal switches with no effect on what a test can see),
//    or without counterpart (-> not runnable, reason printed).
//  - every `//@ runXxx(...)` line is one run configuration (none: one default
//    run); a file passes when all its runs pass.
//  - `threadsForbidOutput(text)`: a run whose output contains text fails.
//  - `--watchdog=N`: the runner ends the process after N ms (plus start-up
//    allowance); with `--watchdog-exception-ok` that ending counts as success,
//    as the shell's watchdog termination does. Without it, a watchdog ending
//    is a failure.
// A run passes when the process exits 0 within the time-out; asyncTestStart
// without as many asyncTestPassed calls by exit is exit 3 (jsc-shell.js).
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const FOLDERS = ['api', 'sync', 'races', 'lifecycle', 'atomics'];
const SHELL = path.join(__dirname, 'jsc-shell.js');

// name -> { kind: 'honored' | 'inert' | 'none', why }
const OPTIONS = {
  useJSThreads: { kind: 'honored', why: 'the shim installs the Thread API' },
  useDollarVM: { kind: 'honored', why: '$vm with gc, useThreadGIL, getStructureTransitionList, crash' },
  useFuzzerMode: { kind: 'honored', why: '$vm.crash withheld' },
  'can-block-is-false': { kind: 'honored', why: 'install({ canBlock: false })' },
  maxJSThreads: { kind: 'honored', why: 'install({ maxThreads })' },
  watchdog: { kind: 'honored', why: 'the runner ends the process after N ms' },
  'watchdog-exception-ok': { kind: 'honored', why: 'a watchdog ending counts as success' },
  useThreadGIL: { kind: 'honored', why: 'the shim is always GIL on (=0 is not runnable)' },
  'destroy-vm': { kind: 'inert', why: 'Node tears the shim down at exit (environment cleanup hook) anyway' },
  validateExceptionChecks: { kind: 'inert', why: 'a Debug-build engine check; inert in Release' },
  useShadowRealm: { kind: 'honored', why: "V8's --harmony-shadow-realm" },
  useVMLite: { kind: 'none', why: 'an engine VM configuration (GIL-off shape)' },
  useSharedAtomStringTable: { kind: 'none', why: 'an engine atom-table configuration (GIL-off shape)' },
  useSharedGCHeap: { kind: 'none', why: 'an engine heap configuration (GIL-off shape; it also refuses wasm GC types)' },
  useConcurrentSharedGCMarking: { kind: 'none', why: 'an engine GC configuration' },
  collectContinuously: { kind: 'none', why: 'an engine GC mode' },
};
const INERT_PREFIXES = [['thresholdFor', 'JIT tiering thresholds (no tiers to steer in V8 from here)']];

function parseArgs(argv) {
  const args = { dir: process.env.JSC_CORPUS || '/work/jsc-corpus/JSTests/threads', all: false, node: process.execPath, timeout: 30, filter: null, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new TypeError(`run-jsc-corpus: ${a} needs a value`);
      return argv[++i];
    };
    if (a === '--all') args.all = true;
    else if (a === '--node') args.node = value();
    else if (a === '--timeout') {
      args.timeout = Number(value());
      if (!(args.timeout > 0)) throw new RangeError(`run-jsc-corpus: --timeout must be a positive number of seconds, received ${argv[i]}`);
    } else if (a === '--filter') args.filter = value();
    else if (a === '--json') args.json = value();
    else if (a.startsWith('--')) throw new TypeError(`run-jsc-corpus: unknown flag ${a}`);
    else args.dir = a;
  }
  return args;
}

/** `//@ name(args)` lines; args are the string literals inside the parentheses. */
function parseDirectives(source) {
  const directives = [];
  for (const line of source.split('\n')) {
    const m = /^\s*\/\/@\s*([A-Za-z_$][\w$]*)\s*(?:\((.*)\))?/.exec(line);
    if (!m) continue;
    const args = [];
    if (m[2] !== undefined) for (const s of m[2].matchAll(/"((?:[^"\\]|\\.)*)"/g)) args.push(JSON.parse(`"${s[1]}"`));
    directives.push({ name: m[1], args, line: line.trim() });
  }
  return directives;
}

/** '--name=value' | '--name' -> [name, value] */
function splitOption(option) {
  const m = /^--([^=]+)(?:=(.*))?$/.exec(option);
  return m ? [m[1], m[2] === undefined ? 'true' : m[2]] : [option, 'true'];
}

function classifyOption(option) {
  const [name, value] = splitOption(option);
  if ((name === 'useThreadGIL' && value === '0') || (name === 'useThreadGILOffUnsafe' && value !== '0')) {
    return { kind: 'gil-off', why: `${option}: the GIL off` };
  }
  const known = OPTIONS[name];
  if (known) return { ...known, name, value };
  for (const [prefix, why] of INERT_PREFIXES) if (name.startsWith(prefix)) return { kind: 'inert', why, name, value };
  return { kind: 'none', why: 'no counterpart in the shim', name, value };
}

/** The plan for one file: not runnable (with why), or its run configurations. */
function planFile(source) {
  const directives = parseDirectives(source);
  const skip = directives.find((d) => /^skip/.test(d.name));
  if (skip) return { runnable: false, why: `upstream skips it (${skip.line})` };
  if (directives.some((d) => d.name === 'threadsRequireGILOff')) return { runnable: false, why: 'needs the GIL off (threadsRequireGILOff)' };
  const required = [];
  const runs = [];
  let forbidOutput = null;
  for (const d of directives) {
    if (d.name === 'requireOptions') required.push(...d.args);
    else if (d.name === 'threadsEnv') {
      for (const env of d.args) {
        const m = /^JSC_([^=]+)=(.*)$/.exec(env);
        if (m) required.push(`--${m[1]}=${m[2]}`);
      }
    } else if (d.name === 'threadsForbidOutput') forbidOutput = d.args;
    else if (/^run/.test(d.name)) runs.push(d.args);
  }
  if (runs.length === 0) runs.push([]);
  const gilOff = [...required, ...runs.flat()].map(classifyOption).find((c) => c.kind === 'gil-off');
  if (gilOff) return { runnable: false, why: `needs ${gilOff.why}` };
  const configs = [];
  for (const runOptions of runs) {
    const config = { dollarVM: false, fuzzerMode: false, canBlock: true, watchdogMs: null, watchdogOk: false, nodeFlags: [], options: [...required, ...runOptions] };
    for (const option of config.options) {
      const c = classifyOption(option);
      if (c.kind === 'gil-off') return { runnable: false, why: `needs ${c.why}` };
      if (c.kind === 'none') return { runnable: false, why: `option ${option}: ${c.why}` };
      if (c.name === 'useDollarVM') config.dollarVM = c.value !== '0' && c.value !== 'false';
      else if (c.name === 'useFuzzerMode') config.fuzzerMode = c.value !== '0' && c.value !== 'false';
      else if (c.name === 'can-block-is-false') config.canBlock = false;
      else if (c.name === 'maxJSThreads') config.maxThreads = Number(c.value);
      else if (c.name === 'watchdog') config.watchdogMs = Number(c.value);
      else if (c.name === 'watchdog-exception-ok') config.watchdogOk = true;
      else if (c.name === 'useShadowRealm') config.nodeFlags.push('--harmony-shadow-realm');
    }
    configs.push(config);
  }
  return { runnable: true, configs, forbidOutput };
}

/** V8 flags that give a Node the language and wasm level the JSC shell has. */
function nodeLevelFlags(nodeBin) {
  const { spawnSync } = require('node:child_process');
  const v8 = spawnSync(nodeBin, ['-p', 'process.versions.v8'], { encoding: 'utf8' }).stdout.trim();
  const [major, minor] = v8.split('.').map(Number);
  const flags = [];
  // ArrayBuffer.prototype.transfer / .detached shipped in V8 11.4; wasm GC in 11.9.
  if (major < 11 || (major === 11 && minor < 4)) flags.push('--harmony-rab-gsab-transfer');
  if (major < 11 || (major === 11 && minor < 9)) flags.push('--experimental-wasm-gc');
  return { v8, flags };
}

function runOnce(args, levelFlags, file, config, forbidOutput) {
  return new Promise((resolve) => {
    const shellConfig = { dollarVM: config.dollarVM, fuzzerMode: config.fuzzerMode, canBlock: config.canBlock };
    if (config.maxThreads !== undefined) shellConfig.maxThreads = config.maxThreads;
    const child = spawn(args.node, ['--expose-gc', '--allow-natives-syntax', ...levelFlags, ...config.nodeFlags, SHELL, JSON.stringify(shellConfig), file], {
      cwd: path.dirname(file),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    let ended = null;
    const timers = [];
    // Start-up allowance for Node and the addon before the watchdog's time counts.
    if (config.watchdogMs !== null) timers.push(setTimeout(() => { ended = 'watchdog'; child.kill('SIGKILL'); }, config.watchdogMs + 1000));
    timers.push(setTimeout(() => { ended = ended || 'timeout'; child.kill('SIGKILL'); }, args.timeout * 1000));
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      // The message of an uncaught error (the lines before its stack), else the last lines.
      const lines = output.trim().split('\n');
      const at = lines.findIndex((l) => /^\s+at /.test(l));
      const tail = (at > 0 ? lines.slice(Math.max(0, at - 4), at) : lines.slice(-6)).join('\n');
      const forbidden = forbidOutput && forbidOutput.find((text) => output.includes(text));
      if (forbidden) return resolve({ ok: false, why: `forbidden output ${JSON.stringify(forbidden)}`, tail });
      if (ended === 'watchdog') {
        return resolve(config.watchdogOk ? { ok: true, why: `ended by the watchdog (${config.watchdogMs} ms)`, tail } : { ok: false, why: 'ended by the watchdog', tail });
      }
      if (ended === 'timeout') return resolve({ ok: false, why: `timed out after ${args.timeout} s`, tail });
      if (code === 0) return resolve({ ok: true, why: 'exit 0', tail });
      return resolve({ ok: false, why: signal ? `killed by ${signal}` : `exit ${code}`, tail });
    });
  });
}

function listFiles(dir, all) {
  const out = [];
  const walk = (folder, rel) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(folder, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== 'resources') walk(full, relPath);
      } else if (entry.name.endsWith('.js')) {
        out.push({ full, rel: relPath, folder: relPath.includes('/') ? relPath.split('/')[0] : '.' });
      }
    }
  };
  if (all) walk(dir, '');
  else for (const f of FOLDERS) if (fs.existsSync(path.join(dir, f))) walk(path.join(dir, f), f);
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(args.dir)) throw new Error(`run-jsc-corpus: no corpus at ${args.dir} (pass the JSTests/threads folder of an oven-sh/WebKit checkout)`);
  const level = nodeLevelFlags(args.node);
  let files = listFiles(args.dir, args.all);
  if (args.filter) files = files.filter((f) => f.rel.includes(args.filter));
  console.log(`corpus ${args.dir}: ${files.length} files; node ${args.node} (V8 ${level.v8}${level.flags.length ? `, ${level.flags.join(' ')}` : ''})`);
  const results = [];
  for (const file of files) {
    const plan = planFile(fs.readFileSync(file.full, 'utf8'));
    if (!plan.runnable) {
      results.push({ ...file, status: 'not runnable', why: plan.why });
      console.log(`  -    ${file.rel}: not runnable: ${plan.why}`);
      continue;
    }
    let outcome = { ok: true, why: '' };
    const whys = [];
    for (const config of plan.configs) {
      const r = await runOnce(args, level.flags, file.full, config, plan.forbidOutput);
      whys.push(r.why);
      if (!r.ok) { outcome = r; break; }
    }
    const status = outcome.ok ? 'passed' : 'failed';
    results.push({ ...file, status, why: outcome.ok ? whys.join('; ') : outcome.why, tail: outcome.tail });
    console.log(`  ${outcome.ok ? 'ok  ' : 'FAIL'} ${file.rel}${outcome.ok ? '' : `: ${outcome.why}`}`);
    if (!outcome.ok && outcome.tail) console.log(outcome.tail.split('\n').map((l) => `         | ${l}`).join('\n'));
  }
  const folders = [...new Set([...(args.all ? [] : FOLDERS), ...results.map((r) => r.folder)])];
  const row = (name, rs) => {
    const passed = rs.filter((r) => r.status === 'passed').length;
    const failed = rs.filter((r) => r.status === 'failed').length;
    const skipped = rs.filter((r) => r.status === 'not runnable').length;
    const runnable = passed + failed;
    const pct = runnable ? `${((100 * passed) / runnable).toFixed(1)}%` : '-';
    return `| ${name} | ${rs.length} | ${runnable} | ${passed} | ${failed} | ${skipped} | ${pct} |`;
  };
  console.log('\n| folder | files | runnable | passed | failed | not runnable | passed / runnable |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const f of folders) console.log(row(`${f}/`, results.filter((r) => r.folder === f)));
  console.log(row('**total**', results));
  if (args.json) fs.writeFileSync(args.json, `${JSON.stringify({ corpus: args.dir, node: args.node, v8: level.v8, results }, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  });
}

module.exports = { planFile, runOnce };
