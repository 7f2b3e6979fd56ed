'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
require('..');
const { joinWithin, withTimeout } = require('../test-support/helpers.js');

test('globals are installed, non-enumerable, and pass feature detection', async () => {
  for (const name of ['Thread', 'Lock', 'Condition', 'ThreadLocal', 'ConcurrentAccessError']) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    assert.equal(typeof descriptor.value, 'function', name);
    assert.equal(descriptor.enumerable, false, name);
  }
  assert.ok('current' in Thread);
  assert.equal(await new Thread(() => 1).asyncJoin(), 1);
});

test('constructors throw TypeError without new, and for a non-callable', () => {
  for (const Ctor of [Thread, Lock, Condition, ThreadLocal]) {
    assert.throws(() => Ctor(() => {}), TypeError);
  }
  for (const bad of [undefined, 1, 'f', {}, null]) {
    assert.throws(() => new Thread(bad), {
      name: 'TypeError',
      message: 'Thread constructor requires a callable argument',
    });
  }
});

test('arguments and results are shared by identity; this is undefined', () => {
  const input = { payload: [1, 2, 3] };
  const output = { made: 'in thread' };
  let closedOver = 0;
  const thread = new Thread(
    function (a, b) {
      'use strict';
      closedOver = 41;
      return { same: a === input, second: b, self: this, output };
    },
    input,
    'two',
  );
  const result = thread.join();
  assert.equal(result.same, true);
  assert.equal(result.second, 'two');
  assert.equal(result.self, undefined);
  assert.equal(result.output, output);
  assert.equal(closedOver, 41);
});

test('join rethrows the same exception object, and every join agrees', async () => {
  const error = new Error('from the thread');
  const gate = { open: 0 };
  const failing = new Thread(() => {
    // Handshake: wait until both joiners are in place (bounded).
    while (Atomics.load(gate, 'open') === 0) {
      if (Atomics.wait(gate, 'open', 0, 10000) === 'timed-out') throw new Error('gate never opened');
    }
    throw error;
  });
  // A second joiner on another thread, plus asyncJoin on main.
  const joiner = new Thread(() => {
    try {
      failing.join();
      return 'did not throw';
    } catch (caught) {
      return caught;
    }
  });
  const asyncResult = failing.asyncJoin().then(
    () => 'resolved',
    (caught) => caught,
  );
  Atomics.store(gate, 'open', 1);
  Atomics.notify(gate, 'open');
  assert.throws(() => failing.join(), (caught) => caught === error);
  assert.throws(() => failing.join(), (caught) => caught === error);
  assert.equal(await joinWithin(joiner), error);
  assert.equal(await withTimeout(asyncResult, 10000, 'asyncJoin'), error);
});

test('two threads joining the same thread agree on its value', async () => {
  const value = { unique: true };
  const target = new Thread(() => value);
  const a = new Thread(() => target.join());
  const b = new Thread(() => target.join());
  assert.equal(await joinWithin(a), value);
  assert.equal(await joinWithin(b), value);
  assert.equal(target.join(), value);
});

test('joining yourself throws', async () => {
  assert.throws(() => Thread.current.join(), { message: 'Thread cannot join itself' });
  const thread = new Thread(() => {
    try {
      Thread.current.join();
    } catch (error) {
      return error.message;
    }
    return 'no error';
  });
  assert.equal(await joinWithin(thread), 'Thread cannot join itself');
});

test('asyncJoin returns a new promise each call that settles on a later turn', async () => {
  const thread = new Thread(() => 'done');
  thread.join();
  const first = thread.asyncJoin();
  const second = thread.asyncJoin();
  assert.notEqual(first, second);
  let settled = false;
  first.then(() => (settled = true));
  await null;
  await null;
  assert.equal(settled, false, 'must not settle inside the call or the same turn');
  assert.equal(await first, 'done');
  assert.equal(await second, 'done');
});

test('Thread.current is the object from new; ids count up from 1, main is 0', async () => {
  assert.equal(Thread.current.id, 0);
  assert.equal(Thread.current, Thread.current);
  assert.ok(Thread.current instanceof Thread);
  const box = {};
  const thread = new Thread(() => {
    box.current = Thread.current;
    box.child = new Thread(() => Thread.current);
    return box.child.join();
  });
  const grandchildCurrent = await joinWithin(thread);
  assert.equal(box.current, thread);
  assert.equal(grandchildCurrent, box.child);
  assert.ok(thread.id >= 1 && thread.id <= 0x7ffe);
  assert.equal(box.child.id, thread.id + 1);
  const later = new Thread(() => 0);
  assert.ok(later.id > box.child.id, 'ids are never reused');
  await joinWithin(later);
});

test('a thread drains its own microtasks before it finishes', async () => {
  const log = [];
  const thread = new Thread(() => {
    Promise.resolve().then(() => log.push('microtask'));
    log.push('body');
    return log;
  });
  const result = await joinWithin(thread);
  assert.deepEqual(result, ['body', 'microtask']);
});

test('too many live threads is a RangeError', async () => {
  const gate = { open: 0 };
  const parked = [];
  let error;
  try {
    for (let i = 0; i < 1000; i++) {
      parked.push(
        new Thread(() => {
          while (Atomics.load(gate, 'open') === 0) Atomics.wait(gate, 'open', 0, 20000);
        }),
      );
    }
  } catch (caught) {
    error = caught;
  }
  assert.ok(error instanceof RangeError, `expected RangeError, got ${error}`);
  assert.ok(parked.length >= 1);
  Atomics.store(gate, 'open', 1);
  Atomics.notify(gate, 'open');
  await withTimeout(Promise.all(parked.map((t) => t.asyncJoin())), 30000, 'parked threads');
  // Room again once they finished.
  assert.equal(await new Thread(() => 'again').asyncJoin(), 'again');
});
