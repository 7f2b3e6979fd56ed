'use strict';
// A JSC-shell stand-in for one corpus file: loads the shim, provides the
// shell's globals, and runs the file as a classic script in the global scope.
// Started by run-jsc-corpus.js as
//   node --expose-gc --allow-natives-syntax jsc-shell.js '<config json>' <file>
// where config is { dollarVM, fuzzerMode, canBlock, maxThreads }.
//
// Globals: print, load (relative to the loading file; a missing harness.js or
// resources/assert.js gets jsc-harness.js), asyncTestStart / asyncTestPassed
// (checked at exit), quit, drainMicrotasks, noInline (and the other JIT
// hints: no-ops), gc / fullGC / edenGC, and with --useDollarVM=1 a `$vm` with
// what a global-lock shim can answer truthfully: gc, useThreadGIL (true),
// getStructureTransitionList (see below) and crash (withheld under
// --useFuzzerMode=1, as in the engine).
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { installJscHarness } = require('./jsc-harness.js');

const config = JSON.parse(process.argv[2]);
const mainFile = path.resolve(process.argv[3]);

const shim = require('..');
const installOptions = { canBlock: config.canBlock !== false };
if (config.maxThreads !== undefined) installOptions.maxThreads = config.maxThreads;
shim.install(installOptions);

const define = (name, value) => {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
};

// Natives (--allow-natives-syntax), compiled here so that test files need none.
// eslint-disable-next-line no-new-func
const performMicrotaskCheckpoint = new Function('return %PerformMicrotaskCheckpoint()');
// eslint-disable-next-line no-new-func
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)');

const loadStack = [mainFile];
let harnessInstalled = false;
const HARNESS_NAMES = new Set(['harness.js', 'assert.js']);

function runFile(file) {
  const source = fs.readFileSync(file, 'utf8');
  loadStack.push(file);
  try {
    return vm.runInThisContext(source, { filename: file });
  } finally {
    loadStack.pop();
  }
}

define('print', (...args) => {
  process.stdout.write(`${args.map(String).join(' ')}\n`);
});
define('load', (file) => {
  const from = path.dirname(loadStack[loadStack.length - 1]);
  const target = path.resolve(from, String(file));
  if (fs.existsSync(target)) return runFile(target);
  if (HARNESS_NAMES.has(path.basename(target))) {
    if (!harnessInstalled) installJscHarness(globalThis);
    harnessInstalled = true;
    return undefined;
  }
  throw new Error(`Could not open file: ${file}`);
});

let asyncExpected = null;
let asyncPassed = 0;
define('asyncTestStart', (count) => {
  asyncExpected = (asyncExpected ?? 0) + Number(count);
});
define('asyncTestPassed', () => {
  asyncPassed++;
});
define('quit', (code = 0) => process.exit(Number(code)));
define('drainMicrotasks', () => {
  performMicrotaskCheckpoint();
});
for (const hint of ['noInline', 'noDFG', 'noFTL', 'noOSRExitFuzzing', 'optimizeNextInvocation', 'ensureArrayStorage']) {
  define(hint, (fn) => fn);
}
const collect = () => globalThis.gc();
define('fullGC', collect);
define('edenGC', collect);

if (config.dollarVM) {
  // V8 has no Structure; its counterpart is the hidden class (map). Two
  // objects get the same token only if they have the same map now, which is
  // stricter than "same root Structure" (a shared root with different
  // transitions reads as different here, never the reverse).
  const mapRepresentatives = [];
  const mapToken = (object) => {
    for (let i = 0; i < mapRepresentatives.length; i++) {
      if (haveSameMap(object, mapRepresentatives[i])) return `map#${i}`;
    }
    mapRepresentatives.push(object);
    return `map#${mapRepresentatives.length - 1}`;
  };
  const $vm = {
    gc: collect,
    useThreadGIL: () => true,
    getStructureTransitionList(object) {
      if (object === null || (typeof object !== 'object' && typeof object !== 'function')) return null;
      return [mapToken(object)];
    },
  };
  if (!config.fuzzerMode) $vm.crash = () => process.abort();
  define('$vm', $vm);
}

process.on('exit', (code) => {
  if (code === 0 && asyncExpected !== null && asyncPassed !== asyncExpected) {
    process.stderr.write(`asyncTestStart(${asyncExpected}) but asyncTestPassed() was called ${asyncPassed} time(s)\n`);
    process.exitCode = 3;
  }
});

runFile(mainFile);
