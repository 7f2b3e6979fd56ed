'use strict';
// scripts/run-jsc-corpus.js: which corpus files are runnable and how, and
// that its JSC-shell child fails what should fail. Sources here are made up
// for the test (the upstream corpus is not in this repository).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { planFile, runOnce } = require('../scripts/run-jsc-corpus.js');

test('corpus runner: //@ directives decide what is runnable', () => {
  assert.equal(planFile('//@ skip\n').runnable, false);
  assert.match(planFile('//@ threadsRequireGILOff\n').why, /GIL off/);
  assert.match(planFile('//@ requireOptions("--useJSThreads=1", "--useThreadGILOffUnsafe=1")\n').why, /GIL off/);
  assert.match(planFile('//@ threadsEnv("JSC_useThreadGIL=0")\n').why, /GIL off/);
  assert.match(planFile('//@ requireOptions("--useSharedGCHeap=1")\n').why, /no counterpart|heap configuration/);
  assert.match(planFile('//@ requireOptions("--someFutureOption=1")\n').why, /no counterpart/);
  const plain = planFile('// no directives\nprint(1);\n');
  assert.equal(plain.runnable, true);
  assert.equal(plain.configs.length, 1);
});

test('corpus runner: honoured options reach the shell configuration, one per run line', () => {
  const plan = planFile([
    '//@ requireOptions("--useJSThreads=1", "--useDollarVM=1", "--maxJSThreads=4", "--watchdog=300", "--watchdog-exception-ok")',
    '//@ runDefault()',
    '//@ runDefault("--can-block-is-false", "--thresholdForJITSoon=10")',
  ].join('\n'));
  assert.equal(plan.runnable, true);
  assert.equal(plan.configs.length, 2);
  const [first, second] = plan.configs;
  assert.equal(first.dollarVM, true);
  assert.equal(first.maxThreads, 4);
  assert.equal(first.watchdogMs, 300);
  assert.equal(first.watchdogOk, true);
  assert.equal(first.canBlock, true);
  assert.equal(second.canBlock, false);
});

test('corpus runner: the shell child passes a good file and fails a thrown error or a missing asyncTestPassed', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jsc-corpus-'));
  fs.mkdirSync(path.join(dir, 'api'));
  const write = (name, body) => {
    const file = path.join(dir, 'api', name);
    fs.writeFileSync(file, body);
    return file;
  };
  const args = { node: process.execPath, timeout: 20 };
  const run = async (file, source) => {
    const plan = planFile(source);
    return runOnce(args, [], file, plan.configs[0], plan.forbidOutput);
  };
  try {
    const good = 'load("../harness.js", "caller relative");\nasyncTestStart(1);\n'
      + 'shouldBe(new Thread(() => 6 * 7).join(), 42);\nnew Thread(() => 1).asyncJoin().then(() => asyncTestPassed());\n';
    assert.equal((await run(write('good.js', good), good)).ok, true);
    const thrown = 'load("../harness.js", "caller relative");\nshouldBe(1, 2, "one is not two");\n';
    const failed = await run(write('thrown.js', thrown), thrown);
    assert.equal(failed.ok, false);
    assert.match(failed.tail, /one is not two/);
    const unpassed = 'asyncTestStart(2);\nasyncTestPassed();\n';
    assert.deepEqual((await run(write('unpassed.js', unpassed), unpassed)).why, 'exit 3');
    const gated = '//@ runDefault("--can-block-is-false")\nAtomics.wait({ k: 0 }, "k", 0);\n';
    const blocked = await run(write('gated.js', gated), gated);
    assert.equal(blocked.ok, false);
    assert.match(blocked.tail, /Atomics\.wait cannot be called from the current thread\./);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
