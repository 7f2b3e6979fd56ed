'use strict';
// Thread and process lifecycle (SPEC-api 4.6, 4.1 lifecycle, 5.5 liveness):
// completion, microtask drain, what keeps the process alive, exit while
// threads hold locks or wait, and Node's loop next to busy threads.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { Worker } = require('node:worker_threads');
const { install } = require('..');
const { joinWithin, withTimeout, runNode } = require('../test-support/helpers.js');

install({ preempt: { intervalMs: 2 } });

const load = `require(${JSON.stringify(require.resolve('..'))});`;

async function assertCleanExit(code, expectedStdout) {
  const { status, signal, stdout, stderr } = await runNode(code);
  assert.equal(stderr, '', 'no output on stderr');
  assert.equal(signal, null, 'not killed by a signal');
  assert.equal(status, 0, 'exit code 0');
  if (expectedStdout !== undefined) assert.equal(stdout, expectedStdout);
}

test('SPEC-api 4.6: a process that joined its threads exits cleanly', async () => {
  await assertCleanExit(`${load}
    const ts = [1, 2, 3].map((i) => new Thread((n) => n * 2, i));
    console.log(ts.map((t) => t.join()).join(','));`, '2,4,6\n');
});

test('SPEC-api 4.6: unjoined finished threads and pending asyncJoin: clean exit after they settle', async () => {
  await assertCleanExit(`${load}
    new Thread(() => ({ big: new Array(1000).fill('x') }));
    new Thread(() => 2).asyncJoin().then((v) => console.log('joined', v));`, 'joined 2\n');
});

test('SPEC-api 4.6: threads parked forever do not keep the process alive, and exit is clean', async () => {
  await assertCleanExit(`${load}
    const lock = new Lock(); const cond = new Condition(); const cell = { v: 0 };
    new Thread(() => lock.hold(() => { for (;;) cond.wait(lock); }));
    new Thread(() => { for (;;) Atomics.wait(cell, 'v', 0); });
    const blocker = new Thread(() => lock.hold(() => 1));
    new Thread(() => blocker.join());
    console.log('main done');`, 'main done\n');
});

test('SPEC-api 4.6: clean exit with preemption on and threads created by threads', async () => {
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

test('SPEC-api 4.6: an uncaught error in a thread is only seen by join', async () => {
  await assertCleanExit(`${load}
    const t = new Thread(() => { throw new Error('kept for join'); });
    t.asyncJoin().catch((e) => console.log(e.message));`, 'kept for join\n');
});

test('SPEC-api 4.6 (Node integration): timers, promises, fs callbacks and workers keep working next to busy threads', async () => {
  const stop = { v: 0 };
  const busy = [1, 2].map(() => new Thread(() => {
    let spins = 0;
    while (Atomics.load(stop, 'v') === 0) spins++;
    return spins > 0;
  }));
  const timer = new Promise((resolve) => setTimeout(() => resolve('timer'), 5));
  const immediate = new Promise((resolve) => setImmediate(() => resolve('immediate')));
  const file = new Promise((resolve, reject) =>
    fs.readFile(__filename, 'utf8', (error, text) => (error ? reject(error) : resolve(text.length > 0))),
  );
  const worker = new Promise((resolve, reject) => {
    const w = new Worker('require("node:worker_threads").parentPort.postMessage(6 * 7)', { eval: true });
    w.once('message', resolve);
    w.once('error', reject);
  });
  const results = await withTimeout(Promise.all([timer, immediate, file, worker, fs.promises.stat(__filename)]), 20000, 'node features');
  assert.deepEqual(results.slice(0, 4), ['timer', 'immediate', true, 42]);
  Atomics.store(stop, 'v', 1);
  for (const thread of busy) assert.equal(await joinWithin(thread), true);
});

test('SPEC-api 4.6 (Node integration): a thread can use timers and fs; its callbacks run on the main thread', async () => {
  const done = new Promise((resolve) => {
    const thread = new Thread(() => {
      setTimeout(() => resolve(Thread.current.id), 10);
      return fs.readFileSync(__filename, 'utf8').length;
    });
    thread.asyncJoin().then((length) => assert.ok(length > 0));
  });
  assert.equal(await withTimeout(done, 10000, 'timer set by a thread'), 0);
});

test('SPEC-api 4.6 (Node integration): the shim cannot be installed inside a Worker', async () => {
  const message = await new Promise((resolve, reject) => {
    const w = new Worker(
      `const { parentPort } = require('node:worker_threads');
       try { require(${JSON.stringify(require.resolve('..'))}); parentPort.postMessage('installed'); }
       catch (error) { parentPort.postMessage(error.message); }`,
      { eval: true },
    );
    w.once('message', resolve);
    w.once('error', reject);
  });
  assert.match(message, /main thread's isolate/);
});

test('SPEC-api 4.6.3 / 8: at exit, a thread holding a lock while waiting on a condition, and one parked on that lock, are terminated: no finally runs, exit is clean', async () => {
  await assertCleanExit(`${load}
    const outer = new Lock(); const inner = new Lock(); const cond = new Condition(); const gate = { held: 0 };
    new Thread(() => outer.hold(() => {
      try {
        inner.hold(() => { Atomics.store(gate, 'held', 1); Atomics.notify(gate, 'held'); for (;;) cond.wait(inner); });
      } finally { console.log('finally ran'); }
    }));
    new Thread(() => {
      while (Atomics.load(gate, 'held') === 0) Atomics.wait(gate, 'held', 0, 10000);
      try { outer.hold(() => {}); } finally { console.log('finally ran'); }
    });
    const seen = Atomics.waitAsync(gate, 'held', 0, 10000);
    Promise.resolve(seen.async ? seen.value : 'ok').then(() => console.log('main done'));`, 'main done\n');
});

test('SPEC-api I12 / I20: asyncJoin settles on a later turn and keeps the process alive until then', async () => {
  await assertCleanExit(`${load}
    const t = new Thread(() => 'late');
    let sync = true;
    t.asyncJoin().then((v) => console.log(v, sync ? 'sync' : 'later'));
    sync = false;`, 'late later\n');
});

test('SPEC-api 4.6: a typed-array waitAsync with a finite time-out keeps the process alive until it settles, on main and on a thread', async () => {
  // Without the shim's count, V8's timed waitAsync does not keep Node's loop
  // alive: the process would exit before printing.
  await assertCleanExit(`${load}
    const i32 = new Int32Array(new SharedArrayBuffer(8));
    Atomics.waitAsync(i32, 0, 0, 30).value.then((v) => console.log('main', v));
    new Thread(() => Atomics.waitAsync(i32, 1, 0, 30).value).asyncJoin().then((v) => console.log('thread', v));`,
  'main timed-out\nthread timed-out\n');
});

test('SPEC-api 4.6: an unbounded typed-array waitAsync nobody notifies does not keep the process alive', async () => {
  await assertCleanExit(`${load}
    const i32 = new Int32Array(new SharedArrayBuffer(4));
    Atomics.waitAsync(i32, 0, 0).value.then(() => console.log('never'));
    console.log('done');`, 'done\n');
});
