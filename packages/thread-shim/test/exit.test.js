'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { runNode } = require('../test-support/helpers.js');

const load = `require(${JSON.stringify(require.resolve('..'))});`;

async function assertCleanExit(code, expectedStdout) {
  const { status, signal, stdout, stderr } = await runNode(code);
  assert.equal(stderr, '', 'no output on stderr');
  assert.equal(signal, null, 'not killed by a signal');
  assert.equal(status, 0, 'exit code 0');
  if (expectedStdout !== undefined) assert.equal(stdout, expectedStdout);
}

test('a process that joined its threads exits cleanly', async () => {
  await assertCleanExit(`${load}
    const ts = [1, 2, 3].map((i) => new Thread((n) => n * 2, i));
    console.log(ts.map((t) => t.join()).join(','));`, '2,4,6\n');
});

test('unjoined finished threads and pending asyncJoin: clean exit after they settle', async () => {
  await assertCleanExit(`${load}
    new Thread(() => ({ big: new Array(1000).fill('x') }));
    new Thread(() => 2).asyncJoin().then((v) => console.log('joined', v));`, 'joined 2\n');
});

test('threads parked forever do not keep the process alive, and exit is clean', async () => {
  await assertCleanExit(`${load}
    const lock = new Lock(); const cond = new Condition(); const cell = { v: 0 };
    new Thread(() => lock.hold(() => { for (;;) cond.wait(lock); }));
    new Thread(() => { for (;;) Atomics.wait(cell, 'v', 0); });
    const blocker = new Thread(() => lock.hold(() => 1));
    new Thread(() => blocker.join());
    console.log('main done');`, 'main done\n');
});

test('clean exit with preemption on and threads created by threads', async () => {
  await assertCleanExit(`const { install } = ${load.slice(0, -1)};
    install({ preempt: { intervalMs: 1 } });
    const counter = { n: 0 };
    const outer = new Thread(() => {
      const inner = [1, 2, 3].map(() => new Thread(() => { for (let i = 0; i < 20000; i++) Atomics.add(counter, 'n', 1); }));
      inner.forEach((t) => t.join());
      return counter.n;
    });
    outer.asyncJoin().then((n) => console.log(n));`, '60000\n');
});

test('an uncaught error in a thread is only seen by join', async () => {
  await assertCleanExit(`${load}
    const t = new Thread(() => { throw new Error('kept for join'); });
    t.asyncJoin().catch((e) => console.log(e.message));`, 'kept for join\n');
});
