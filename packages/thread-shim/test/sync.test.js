'use strict';
// Lock and Condition (SPEC-api 4.2, 4.3, 5.3, 5.4, 5.5a): hold, asyncHold in
// both forms and their ordering, wait/asyncWait/notify, invariants I6-I9, I23.
const test = require('node:test');
const assert = require('node:assert/strict');
const { install } = require('..');
const { joinWithin, withTimeout, runNode } = require('../test-support/helpers.js');

// Preemption makes the counter tests meaningful: threads interleave anywhere.
install({ preempt: { intervalMs: 1 } });

test('SPEC-api 4.2: hold runs fn and returns its value; an uncontended hold never blocks', () => {
  const lock = new Lock();
  assert.equal(lock.locked, false);
  assert.equal(lock.hold(() => (lock.locked ? 'held' : 'free')), 'held');
  assert.equal(lock.locked, false);
});

test('SPEC-api 4.2: Lock is not recursive, and the outer hold is kept', () => {
  const lock = new Lock();
  lock.hold(() => {
    assert.throws(() => lock.hold(() => {}), { name: 'Error', message: 'Lock is not recursive' });
    assert.equal(lock.locked, true);
  });
  assert.equal(lock.locked, false);
});

test('SPEC-api 4.2: hold releases when fn throws, and rethrows the same object', () => {
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

test('SPEC-api 4.2: async holds are granted FIFO, on a later turn', async () => {
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

test('SPEC-api 4.2: asyncHold(fn) rejects with what fn threw, and releases', async () => {
  const lock = new Lock();
  const error = new Error('async boom');
  await assert.rejects(lock.asyncHold(() => {
    throw error;
  }), (caught) => caught === error);
  assert.equal(lock.locked, false);
});

test('SPEC-api 4.2: a release function must be called exactly once', async () => {
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

test('SPEC-api 4.2: a contended hold blocks a spawned thread until release (handshake)', async () => {
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

test('SPEC-api 4.2: 4 threads x 10000 increments under a Lock, with preemption, are exact', async () => {
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

test('SPEC-api 4.2: main thread and spawned threads contend for one lock without losing updates', async () => {
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

test('SPEC-api 4.3: wait requires holding the lock', () => {
  const lock = new Lock();
  const cond = new Condition();
  assert.throws(() => cond.wait(lock), TypeError);
  assert.throws(() => cond.wait({}), TypeError);
  assert.throws(() => cond.asyncWait(lock), TypeError);
});

test('SPEC-api 4.3: notify with no waiters returns 0', () => {
  const cond = new Condition();
  assert.equal(cond.notify(), 0);
  assert.equal(cond.notifyAll(), 0);
});

test('SPEC-api 4.3: producer/consumer: no lost wake-up over many rounds', async () => {
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

test('SPEC-api 4.3: wait re-acquires the lock before returning, under the same hold', async () => {
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

test('SPEC-api 4.3: notifyAll wakes sync and async waiters FIFO and returns the count', async () => {
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
  // The hold it stood for was consumed by asyncWait (SPEC-api 4.3(b)): its
  // release function now throws, and releases nothing.
  assert.throws(() => release(), { name: 'Error', message: 'Lock release function called more than once' });
  await withTimeout(Promise.all([asyncWaiter, ...threads.map((t) => t.asyncJoin())]), 20000, 'waiters');
  assert.equal(order.length, 4);
  assert.deepEqual(order.filter((name) => name !== 'async').length, 3);
  assert.equal(lock.locked, false);
});

test('SPEC-api 4.2: asyncWait on the main thread and a blocking notifier thread', async () => {
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

// ---- SPEC-api rev 14: asyncHold forms and ordering, consumption ----------

test('SPEC-api 5.5a A / I12: a free lock is granted to asyncHold() at registration, settled on a later turn', async () => {
  const lock = new Lock();
  let settled = false;
  const promise = lock.asyncHold();
  promise.then(() => { settled = true; });
  assert.equal(settled, false);
  assert.equal(lock.locked, true, 'the grant happens at registration');
  const release = await promise;
  assert.equal(typeof release, 'function');
  assert.equal(release.name, 'release');
  assert.equal(release(), undefined);
  assert.equal(lock.locked, false);
  assert.throws(() => release(), { name: 'Error', message: 'Lock release function called more than once' });
  assert.equal(lock.locked, false, 'a second call releases nothing');
});

test('SPEC-api 4.2: asyncHold(fn) runs fn on a later turn holding the lock and settles after the implicit release', async () => {
  const lock = new Lock();
  let ran = false;
  const promise = lock.asyncHold(() => {
    ran = true;
    assert.equal(lock.locked, true);
    return 'result';
  });
  assert.equal(ran, false);
  assert.equal(await promise, 'result');
  assert.equal(lock.locked, false);
});

test('SPEC-api 4.2: asyncHold while holding the lock synchronously is "Lock is not recursive"; an async-held lock only queues', async () => {
  const lock = new Lock();
  lock.hold(() => {
    assert.throws(() => lock.asyncHold(), { name: 'Error', message: 'Lock is not recursive' });
  });
  const release = await lock.asyncHold();
  let queuedDone = false;
  const queued = lock.asyncHold(() => 'queued');
  queued.then(() => { queuedDone = true; });
  await Promise.resolve();
  assert.equal(queuedDone, false);
  release();
  assert.equal(await queued, 'queued');
});

test('SPEC-api 4.2 (D10): inside an asyncHold(fn) callback a sync hold throws and cond.wait is a TypeError', async () => {
  const lock = new Lock();
  const cond = new Condition();
  const result = await lock.asyncHold(() => {
    assert.throws(() => lock.hold(() => 0), { name: 'Error', message: 'Lock is not recursive' });
    assert.equal(lock.locked, true);
    assert.throws(() => cond.wait(lock), TypeError);
    assert.equal(lock.locked, true);
    return 'guarded';
  });
  assert.equal(result, 'guarded');
  assert.equal(lock.locked, false);
});

test('SPEC-api I23 / 4.3(b): asyncWait inside asyncHold(fn) consumes the hold; fn still settles; the wait gets a fresh release', async () => {
  const lock = new Lock();
  const cond = new Condition();
  let waited;
  const result = await lock.asyncHold(() => {
    waited = cond.asyncWait(lock);
    assert.equal(lock.locked, false, 'asyncWait gives the lock up at once');
    assert.equal(lock.hold(() => 'free again'), 'free again');
    return 23;
  });
  assert.equal(result, 23);
  await lock.asyncHold(() => assert.equal(cond.notify(), 1));
  const release = await withTimeout(waited, 10000, 'asyncWait');
  assert.equal(lock.locked, true);
  release();
  assert.equal(lock.locked, false);
});

test('SPEC-api 4.3(b): asyncWait consumes a release-function hold; that release function then throws', async () => {
  const lock = new Lock();
  const cond = new Condition();
  const release = await lock.asyncHold();
  const waited = cond.asyncWait(lock);
  assert.equal(lock.locked, false);
  assert.throws(() => release(), { name: 'Error', message: 'Lock release function called more than once' });
  assert.equal(cond.notify(), 1);
  (await withTimeout(waited, 10000, 'asyncWait'))();
  assert.equal(lock.locked, false);
});

test('SPEC-api 4.2: a sync hold may barge ahead of a queued async ticket, which is still granted afterwards', async () => {
  const lock = new Lock();
  const gate = { held: 0 };
  const registrar = new Thread(() => {
    while (Atomics.load(gate, 'held') === 0) Atomics.wait(gate, 'held', 0, 10000);
    return { ticket: lock.asyncHold() };
  });
  let ticket;
  lock.hold(() => {
    Atomics.store(gate, 'held', 1);
    Atomics.notify(gate, 'held');
    ticket = registrar.join().ticket; // queued against this hold
  });
  let barged = false;
  lock.hold(() => { barged = true; });
  assert.equal(barged, true);
  const release = await withTimeout(ticket, 10000, 'ticket');
  assert.equal(lock.locked, true);
  release();
  assert.equal(lock.locked, false);
});

test('SPEC-api 4.2 / 5.3: a release function may be called from a spawned thread; a parked holder gets the lock', async () => {
  const lock = new Lock();
  const release = await lock.asyncHold();
  const state = { parked: 0 };
  const waiter = new Thread(() => {
    Atomics.store(state, 'parked', 1);
    return lock.hold(() => 'got it');
  });
  const releaser = new Thread((fn) => {
    while (Atomics.load(state, 'parked') === 0) Atomics.wait(state, 'parked', 0, 10000);
    fn();
  }, release);
  await joinWithin(releaser);
  assert.equal(await joinWithin(waiter), 'got it');
  assert.equal(lock.locked, false);
});

// ---- the main thread never waits for a grant only it can deliver ---------
// asyncHold() grants a free lock at registration, but the grant is handed to
// JavaScript on the main thread only. A synchronous hold there used to wait
// for that delivery forever (Weft's native channel pipeline hung: a spawned
// thread's promise continuation runs on the main thread, one microtask queue,
// and took a Lock synchronously). Each case runs in a child process, so a
// regression fails by time-out instead of hanging the suite.

const shimPath = JSON.stringify(require.resolve('..'));

async function assertChildPrints(code, expected) {
  const { status, signal, stdout, stderr } = await runNode(
    `require(${shimPath}).install({ preempt: { intervalMs: 1 } });\n${code}`, { ms: 15000 });
  assert.equal(stderr, '', 'no output on stderr');
  assert.equal(signal, null, 'not killed by a signal');
  assert.equal(status, 0, 'exit code 0');
  assert.equal(stdout, expected);
}

test('SPEC-api 4.2 / 5.5a (shim): a main-thread hold barges ahead of an undelivered asyncHold grant, which is granted afterwards', async () => {
  await assertChildPrints(`
    const lock = new Lock();
    const ticket = lock.asyncHold();
    console.log('locked at registration', lock.locked);
    console.log(lock.hold(() => 'barged'));
    ticket.then((release) => {
      console.log('ticket granted', lock.locked);
      release();
      console.log('released', lock.locked);
    });`,
  'locked at registration true\nbarged\nticket granted true\nreleased false\n');
});

test('SPEC-api 4.2 (shim): a continuation a spawned thread attached, run on the main thread, can hold a lock whose asyncHold grant main has not delivered', async () => {
  // Weft's shape: the pump registers asyncHold(); in the same microtask
  // checkpoint a continuation a spawned thread attached runs on main and holds.
  await assertChildPrints(`
    const lock = new Lock();
    let start;
    const started = new Promise((resolve) => { start = resolve; });
    const t = new Thread((p) => ({ done: p.then(() => lock.hold(() => 'held by the continuation')) }), started);
    const { done } = t.join();
    const order = [];
    lock.asyncHold().then((release) => { order.push('ticket'); release(); });
    start();
    done.then((v) => { order.push(v); });
    setTimeout(() => console.log(order.join(', '), lock.locked), 50);`,
  'held by the continuation, ticket false\n');
});

test('SPEC-api 4.3 (shim): Condition.wait on the main thread re-acquires past an undelivered asyncHold grant', async () => {
  await assertChildPrints(`
    const lock = new Lock();
    const cond = new Condition();
    const state = { waiting: 0, notified: false, ticket: undefined };
    const t = new Thread(() => {
      while (Atomics.load(state, 'waiting') === 0) Atomics.wait(state, 'waiting', 0, 10000);
      lock.hold(() => {});              // returns once main's wait gave the lock up
      state.ticket = lock.asyncHold();  // free: granted at registration, delivered only on main
      state.notified = true;
      cond.notify();
    });
    lock.hold(() => {
      Atomics.store(state, 'waiting', 1);
      Atomics.notify(state, 'waiting');
      while (!state.notified) cond.wait(lock);
      console.log('re-acquired');
    });
    t.join();
    state.ticket.then((release) => {
      console.log('ticket granted', lock.locked);
      release();
      console.log('released', lock.locked);
    });`,
  're-acquired\nticket granted true\nreleased false\n');
});
