'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { install } = require('..');
const { joinWithin, withTimeout } = require('../test-support/helpers.js');

install({ mainThreadMayBlock: false });

test('join, contended hold, cond.wait and property Atomics.wait throw TypeError on main', async () => {
  const lock = new Lock();
  const cond = new Condition();
  const gate = { open: 0 };
  const thread = new Thread(() => {
    while (Atomics.load(gate, 'open') === 0) Atomics.wait(gate, 'open', 0, 10000);
    return 'ok';
  });
  assert.throws(() => thread.join(), TypeError);
  assert.throws(() => Atomics.wait(gate, 'open', 0, 10), TypeError);
  lock.hold(() => {
    assert.throws(() => cond.wait(lock), TypeError);
  });
  // A hold contended by a spawned thread.
  const held = { v: 0 };
  const holder = new Thread(() =>
    lock.hold(() => {
      Atomics.store(held, 'v', 1);
      Atomics.notify(held, 'v');
      while (Atomics.load(gate, 'open') === 0) Atomics.wait(gate, 'open', 0, 10000);
    }),
  );
  const seen = Atomics.waitAsync(held, 'v', 0, 10000);
  if (seen.async) assert.equal(await seen.value, 'ok');
  assert.equal(lock.locked, true);
  assert.throws(() => lock.hold(() => 'contended'), TypeError);
  Atomics.store(gate, 'open', 1);
  Atomics.notify(gate, 'open');
  assert.equal(await joinWithin(thread), 'ok');
  await joinWithin(holder);
  // An uncontended hold still works: it never blocks.
  assert.equal(lock.hold(() => 'free'), 'free');
  // The typed-array Atomics.wait of the main thread is Node's own; untouched.
  assert.equal(Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0), 'not-equal');
});

test('the async forms always work on main; spawned threads may block', async () => {
  const lock = new Lock();
  const cond = new Condition();
  const box = { items: [] };
  const producer = new Thread(() => {
    for (let i = 0; i < 50; i++) {
      lock.hold(() => box.items.push(i));
      cond.notifyAll();
    }
    const inner = new Thread(() => 'inner');
    return inner.join(); // a spawned thread may block
  });
  const got = [];
  while (got.length < 50) {
    let release = await withTimeout(lock.asyncHold(), 10000, 'asyncHold');
    while (box.items.length === 0) release = await withTimeout(cond.asyncWait(lock), 10000, 'asyncWait');
    got.push(...box.items.splice(0));
    release();
  }
  assert.deepEqual(got, [...Array(50).keys()]);
  assert.equal(await joinWithin(producer), 'inner');
});

test('install validates its options', () => {
  assert.throws(() => install({ preempt: 'yes' }), TypeError);
  assert.throws(() => install({ preempt: { intervalMs: 0 } }), RangeError);
  assert.throws(() => install({ mainThreadMayBlock: 1 }), TypeError);
  assert.throws(() => install({ unknown: true }), TypeError);
  assert.throws(() => install(5), TypeError);
  // Reconfiguring keeps what was not given.
  assert.deepEqual(install({}), { preempt: false, intervalMs: 5, mainThreadMayBlock: false });
  install({ mainThreadMayBlock: true });
  const t = new Thread(() => 1);
  assert.equal(t.join(), 1);
  install({ mainThreadMayBlock: false });
});
