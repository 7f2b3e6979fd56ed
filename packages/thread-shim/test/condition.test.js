'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { install } = require('..');
const { joinWithin, withTimeout } = require('../test-support/helpers.js');

install({ preempt: { intervalMs: 1 } });

test('wait requires holding the lock', () => {
  const lock = new Lock();
  const cond = new Condition();
  assert.throws(() => cond.wait(lock), TypeError);
  assert.throws(() => cond.wait({}), TypeError);
  assert.throws(() => cond.asyncWait(lock), TypeError);
});

test('notify with no waiters returns 0', () => {
  const cond = new Condition();
  assert.equal(cond.notify(), 0);
  assert.equal(cond.notifyAll(), 0);
});

test('producer/consumer: no lost wake-up over many rounds', async () => {
  const lock = new Lock();
  const nonEmpty = new Condition();
  const nonFull = new Condition();
  const queue = [];
  const capacity = 2;
  const rounds = 3000;
  const producer = new Thread(() => {
    for (let i = 0; i < rounds; i++) {
      lock.hold(() => {
        while (queue.length === capacity) nonFull.wait(lock);
        queue.push(i);
        nonEmpty.notify();
      });
    }
  });
  const consumer = new Thread(() => {
    const got = [];
    while (got.length < rounds) {
      lock.hold(() => {
        while (queue.length === 0) nonEmpty.wait(lock);
        got.push(queue.shift());
        nonFull.notify();
      });
    }
    return got;
  });
  const got = await joinWithin(consumer, 60000);
  await joinWithin(producer, 60000);
  assert.equal(got.length, rounds);
  assert.deepEqual(got, [...Array(rounds).keys()]);
});

test('wait re-acquires the lock before returning, under the same hold', async () => {
  const lock = new Lock();
  const cond = new Condition();
  const state = { ready: false };
  const waiter = new Thread(() =>
    lock.hold(() => {
      while (!state.ready) cond.wait(lock);
      return lock.locked;
    }),
  );
  // Keep trying until the waiter is parked in wait (it then left the lock free).
  for (let attempt = 0; ; attempt++) {
    const woke = await lock.asyncHold(() => {
      state.ready = true;
      return cond.notify();
    });
    if (woke === 1) break;
    state.ready = false;
    assert.ok(attempt < 10000, 'waiter never parked');
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(await joinWithin(waiter), true);
  assert.equal(lock.locked, false, 'the hold that waited released the lock at its end');
});

test('notifyAll wakes sync and async waiters FIFO and returns the count', async () => {
  const lock = new Lock();
  const cond = new Condition();
  const parked = { n: 0 };
  const state = { go: false };
  const order = [];
  const threads = [0, 1, 2].map((i) =>
    new Thread(() =>
      lock.hold(() => {
        Atomics.add(parked, 'n', 1);
        while (!state.go) cond.wait(lock);
        order.push(`t${i}`);
      }),
    ),
  );
  // Wait until all three are parked (they increment while holding the lock).
  for (let i = 0; Atomics.load(parked, 'n') < 3; i++) {
    assert.ok(i < 100000, 'threads never parked');
    await new Promise((resolve) => setImmediate(resolve));
  }
  const release = await lock.asyncHold();
  const asyncWaiter = cond.asyncWait(lock).then((again) => {
    order.push('async');
    again();
  });
  const woken = await lock.asyncHold(() => {
    state.go = true;
    return cond.notifyAll();
  });
  assert.equal(woken, 4);
  // The hold it stood for was given up by asyncWait: the first call is a
  // no-op (it must not release a later hold), a second one is an error.
  release();
  assert.throws(() => release(), Error);
  await withTimeout(Promise.all([asyncWaiter, ...threads.map((t) => t.asyncJoin())]), 20000, 'waiters');
  assert.equal(order.length, 4);
  assert.deepEqual(order.filter((name) => name !== 'async').length, 3);
  assert.equal(lock.locked, false);
});

test('asyncWait on the main thread and a blocking notifier thread', async () => {
  const lock = new Lock();
  const ready = new Condition();
  const mailbox = [];
  const sender = new Thread(() => {
    for (let i = 0; i < 500; i++) {
      lock.hold(() => mailbox.push(i));
      ready.notifyAll();
    }
    lock.hold(() => mailbox.push('end'));
    ready.notifyAll();
  });
  const received = [];
  for (;;) {
    let release = await withTimeout(lock.asyncHold(), 10000, 'asyncHold');
    while (mailbox.length === 0) release = await withTimeout(ready.asyncWait(lock), 10000, 'asyncWait');
    const batch = mailbox.splice(0);
    release();
    received.push(...batch);
    if (received[received.length - 1] === 'end') break;
  }
  await joinWithin(sender);
  assert.equal(received.length, 501);
  assert.deepEqual(received.slice(0, 500), [...Array(500).keys()]);
});
