'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { install } = require('..');
const { joinWithin, withTimeout } = require('../test-support/helpers.js');

// Preemption makes the counter tests meaningful: threads interleave anywhere.
install({ preempt: { intervalMs: 1 } });

test('hold runs fn and returns its value; an uncontended hold never blocks', () => {
  const lock = new Lock();
  assert.equal(lock.locked, false);
  assert.equal(lock.hold(() => (lock.locked ? 'held' : 'free')), 'held');
  assert.equal(lock.locked, false);
});

test('Lock is not recursive, and the outer hold is kept', () => {
  const lock = new Lock();
  lock.hold(() => {
    assert.throws(() => lock.hold(() => {}), { name: 'Error', message: 'Lock is not recursive' });
    assert.equal(lock.locked, true);
  });
  assert.equal(lock.locked, false);
});

test('hold releases when fn throws, and rethrows the same object', () => {
  const lock = new Lock();
  const error = new Error('inside');
  assert.throws(
    () =>
      lock.hold(() => {
        throw error;
      }),
    (caught) => caught === error,
  );
  assert.equal(lock.locked, false);
  assert.equal(lock.hold(() => 'usable again'), 'usable again');
});

test('async holds are granted FIFO, on a later turn', async () => {
  const lock = new Lock();
  const release = await lock.asyncHold();
  const order = [];
  let ranSync = false;
  const pending = [];
  for (let i = 0; i < 20; i++) {
    pending.push(lock.asyncHold(() => {
      ranSync = true;
      order.push(i);
      return i * 2;
    }));
  }
  assert.equal(ranSync, false);
  release();
  const results = await withTimeout(Promise.all(pending), 10000, 'async holds');
  assert.deepEqual(order, [...Array(20).keys()]);
  assert.deepEqual(results, order.map((i) => i * 2));
});

test('asyncHold(fn) rejects with what fn threw, and releases', async () => {
  const lock = new Lock();
  const error = new Error('async boom');
  await assert.rejects(lock.asyncHold(() => {
    throw error;
  }), (caught) => caught === error);
  assert.equal(lock.locked, false);
});

test('a release function must be called exactly once', async () => {
  const lock = new Lock();
  const release = await lock.asyncHold();
  assert.equal(lock.locked, true);
  release();
  assert.equal(lock.locked, false);
  assert.throws(() => release(), { name: 'Error' });
  // The second call did not release someone else's hold.
  const other = await lock.asyncHold();
  assert.throws(() => release(), Error);
  assert.equal(lock.locked, true);
  other();
});

test('a contended hold blocks a spawned thread until release (handshake)', async () => {
  const lock = new Lock();
  const steps = { v: 0 };
  const release = await lock.asyncHold();
  const thread = new Thread(() => {
    Atomics.store(steps, 'v', 1);
    Atomics.notify(steps, 'v');
    return lock.hold(() => Atomics.load(steps, 'v'));
  });
  // Wait (without blocking main) until the thread is about to contend.
  const seen = Atomics.waitAsync(steps, 'v', 0, 10000);
  if (seen.async) assert.equal(await seen.value, 'ok');
  Atomics.store(steps, 'v', 2);
  release();
  assert.equal(await joinWithin(thread), 2);
});

test('4 threads x 10000 increments under a Lock, with preemption, are exact', async () => {
  const lock = new Lock();
  const counter = { n: 0 };
  const threads = [];
  for (let t = 0; t < 4; t++) {
    threads.push(
      new Thread(() => {
        for (let i = 0; i < 10000; i++) {
          lock.hold(() => {
            const read = counter.n;
            let spin = 0;
            for (let k = 0; k < 50; k++) spin += k; // widen the race window
            counter.n = read + 1 + (spin - spin);
          });
        }
      }),
    );
  }
  await withTimeout(Promise.all(threads.map((t) => t.asyncJoin())), 60000, 'counter threads');
  assert.equal(counter.n, 40000);
});

test('main thread and spawned threads contend for one lock without losing updates', async () => {
  const lock = new Lock();
  const counter = { n: 0 };
  const threads = [1, 2].map(() => new Thread(() => {
    for (let i = 0; i < 2000; i++) lock.hold(() => counter.n++);
  }));
  for (let i = 0; i < 2000; i++) {
    await lock.asyncHold(() => counter.n++);
  }
  await withTimeout(Promise.all(threads.map((t) => t.asyncJoin())), 30000, 'threads');
  assert.equal(counter.n, 6000);
});
