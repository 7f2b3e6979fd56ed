'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { install } = require('..');
const { joinWithin, withTimeout } = require('../test-support/helpers.js');

install({ preempt: { intervalMs: 1 } });

test('SPEC-api 4.5: load/store/exchange on own data properties, any value', () => {
  const value = { any: 'object' };
  const o = { a: 1 };
  assert.equal(Atomics.load(o, 'a'), 1);
  assert.equal(Atomics.store(o, 'a', value), value);
  assert.equal(o.a, value);
  assert.equal(Atomics.exchange(o, 'a', 'next'), value);
  assert.equal(o.a, 'next');
  // store may create the property
  assert.equal(Atomics.store(o, 'fresh', 5), 5);
  assert.equal(o.fresh, 5);
  const sym = Symbol('key');
  Atomics.store(o, sym, 'by symbol');
  assert.equal(Atomics.load(o, sym), 'by symbol');
  const array = [10, 20];
  assert.equal(Atomics.add(array, 1, 5), 20);
  assert.deepEqual(array, [10, 25]);
});

test('SPEC-api 4.5: the key must be an own data property', () => {
  const proto = { inherited: 1 };
  const o = Object.create(proto);
  Object.defineProperty(o, 'accessor', { get: () => 1, set: () => {}, configurable: true });
  assert.throws(() => Atomics.load(o, 'missing'), TypeError);
  assert.throws(() => Atomics.load(o, 'inherited'), TypeError);
  assert.throws(() => Atomics.load(o, 'accessor'), TypeError);
  assert.throws(() => Atomics.store(o, 'accessor', 1), TypeError);
  assert.throws(() => Atomics.add({}, 'missing', 1), TypeError);
  assert.throws(() => Atomics.store(Object.freeze({ x: 1 }), 'x', 2), TypeError);
  assert.throws(() => Atomics.store(Object.preventExtensions({}), 'x', 2), TypeError);
  assert.throws(() => Atomics.load(new Proxy({ x: 1 }, {}), 'x'), TypeError);
});

test('SPEC-api 4.5: compareExchange uses SameValueZero', () => {
  const o = { v: NaN };
  assert.ok(Number.isNaN(Atomics.compareExchange(o, 'v', NaN, 1)));
  assert.equal(o.v, 1);
  o.v = -0;
  assert.equal(Object.is(Atomics.compareExchange(o, 'v', 0, 'zero'), -0), true);
  assert.equal(o.v, 'zero');
  const target = {};
  o.v = target;
  assert.equal(Atomics.compareExchange(o, 'v', {}, 'no'), target);
  assert.equal(o.v, target);
  assert.equal(Atomics.compareExchange(o, 'v', target, 'yes'), target);
  assert.equal(o.v, 'yes');
});

test('SPEC-api 4.5: arithmetic needs a number already stored', () => {
  const o = { n: 6, s: '6' };
  assert.equal(Atomics.add(o, 'n', 4), 6);
  assert.equal(Atomics.sub(o, 'n', 3), 10);
  assert.equal(Atomics.and(o, 'n', 5), 7);
  assert.equal(Atomics.or(o, 'n', 8), 5);
  assert.equal(Atomics.xor(o, 'n', 1), 13);
  assert.equal(o.n, 12);
  assert.equal(Atomics.add(o, 'n', 0.5), 12);
  assert.equal(o.n, 12.5);
  assert.throws(() => Atomics.add(o, 's', 1), TypeError);
});

test('SPEC-api 4.5: typed-array Atomics still work through the original functions', () => {
  const ta = new Int32Array(new SharedArrayBuffer(16));
  assert.equal(Atomics.store(ta, 0, 7), 7);
  assert.equal(Atomics.add(ta, 0, 3), 7);
  assert.equal(Atomics.load(ta, 0), 10);
  assert.equal(Atomics.compareExchange(ta, 0, 10, 1), 10);
  assert.equal(Atomics.notify(ta, 0, 1), 0);
  assert.equal(Atomics.wait(ta, 1, 1, 0), 'not-equal');
  assert.equal(Atomics.wait(ta, 1, 0, 0), 'timed-out');
  assert.throws(() => Atomics.load(ta, 99), RangeError);
  assert.throws(() => Atomics.load(1, 0), TypeError);
});

test('SPEC-api 4.5 / 5.6: a blocking typed-array wait on a spawned thread is a TypeError', async () => {
  const ta = new Int32Array(new SharedArrayBuffer(8));
  const thread = new Thread(() => {
    const asyncForm = Atomics.waitAsync(ta, 0, 1);
    try {
      Atomics.wait(ta, 0, 0, 1);
    } catch (error) {
      return [error.name, error.message, asyncForm.value];
    }
    return 'no error';
  });
  assert.deepEqual(await joinWithin(thread), [
    'TypeError',
    'Atomics.wait cannot be called from the current thread.',
    'not-equal',
  ]);
});

test('SPEC-api 4.5: 4 threads x 10000 Atomics.add on a property, with preemption, are exact', async () => {
  const counter = { n: 0 };
  const threads = [];
  for (let t = 0; t < 4; t++) {
    threads.push(new Thread(() => {
      for (let i = 0; i < 10000; i++) Atomics.add(counter, 'n', 1);
    }));
  }
  await withTimeout(Promise.all(threads.map((t) => t.asyncJoin())), 60000, 'adders');
  assert.equal(counter.n, 40000);
});

test('SPEC-api 4.5: preemption is real: without a lock a read-modify-write race is observed', async () => {
  // Each thread reads, spins, then writes back read + 1. Threads only switch
  // if preemption interrupts them, so any lost update proves it. Retries are
  // bounded; the failure is loud.
  let lost = 0;
  for (let attempt = 0; attempt < 5 && lost === 0; attempt++) {
    const cell = { x: 0 };
    const threads = [];
    const perThread = 20000;
    for (let t = 0; t < 4; t++) {
      threads.push(new Thread(() => {
        for (let i = 0; i < perThread; i++) {
          const read = cell.x;
          let spin = 0;
          for (let k = 0; k < 200; k++) spin += k;
          cell.x = read + 1 + (spin - spin);
        }
      }));
    }
    await withTimeout(Promise.all(threads.map((t) => t.asyncJoin())), 60000, 'racers');
    lost = 4 * perThread - cell.x;
  }
  assert.ok(lost > 0, 'no lost update observed: preemption did not interleave threads');
});

test('SPEC-api 4.5 / 5.6: property wait/notify ping-pong between the main thread and a thread', async () => {
  const cell = { turn: 'main' };
  const rounds = 500;
  const thread = new Thread(() => {
    for (let i = 0; i < rounds; i++) {
      while (Atomics.load(cell, 'turn') !== 'thread') {
        if (Atomics.wait(cell, 'turn', 'main', 10000) === 'timed-out') throw new Error('ping lost');
      }
      Atomics.store(cell, 'turn', 'main');
      Atomics.notify(cell, 'turn');
    }
    return 'done';
  });
  for (let i = 0; i < rounds; i++) {
    Atomics.store(cell, 'turn', 'thread');
    Atomics.notify(cell, 'turn');
    // The main thread awaits its turn without blocking.
    while (Atomics.load(cell, 'turn') !== 'main') {
      const result = Atomics.waitAsync(cell, 'turn', 'thread', 10000);
      if (result.async) {
        assert.notEqual(await result.value, 'timed-out', 'pong lost');
      }
    }
  }
  assert.equal(await joinWithin(thread), 'done');
});

test('SPEC-api 4.5 / 5.6: blocking property wait on the main thread: ok, not-equal, timed-out', async () => {
  const cell = { v: 0 };
  assert.equal(Atomics.wait(cell, 'v', 1, 1000), 'not-equal');
  assert.equal(Atomics.wait(cell, 'v', 0, 0), 'timed-out');
  assert.equal(Atomics.wait(cell, 'v', 0, 20), 'timed-out');
  const waker = new Thread(() => {
    Atomics.store(cell, 'v', 1);
    return Atomics.notify(cell, 'v');
  });
  // The thread can only run while main blocks (global lock): main waits, the
  // thread stores and notifies.
  assert.equal(Atomics.wait(cell, 'v', 0, 10000), 'ok');
  assert.equal(await joinWithin(waker), 1);
});

test('SPEC-api 4.5 / 5.6: waitAsync: not-equal, zero time-out, time-out and notify', async () => {
  const cell = { v: 'a' };
  assert.deepEqual(Atomics.waitAsync(cell, 'v', 'b'), { async: false, value: 'not-equal' });
  assert.deepEqual(Atomics.waitAsync(cell, 'v', 'a', 0), { async: false, value: 'timed-out' });
  const timed = Atomics.waitAsync(cell, 'v', 'a', 30);
  assert.equal(timed.async, true);
  assert.equal(await withTimeout(timed.value, 5000, 'time-out'), 'timed-out');
  const notified = Atomics.waitAsync(cell, 'v', 'a');
  const other = Atomics.waitAsync({ v: 'a' }, 'v', 'a', 50);
  const ta = new Int32Array(new SharedArrayBuffer(4));
  assert.equal(Atomics.notify(ta, 0), 0, 'typed-array notify does not see property waiters');
  const count = await joinWithin(new Thread(() => Atomics.notify(cell, 'v')));
  assert.equal(count, 1);
  assert.equal(await withTimeout(notified.value, 5000, 'notify'), 'ok');
  assert.equal(await withTimeout(other.value, 5000, 'unrelated time-out'), 'timed-out');
});

test('SPEC-api 4.5 / 5.6: notify wakes at most count waiters, FIFO', async () => {
  const cell = { v: 0 };
  const order = [];
  const waits = [0, 1, 2, 3].map((i) => Atomics.waitAsync(cell, 'v', 0).value.then(() => order.push(i)));
  assert.equal(Atomics.notify(cell, 'v', 2), 2);
  assert.equal(Atomics.notify(cell, 'v', 0), 0);
  assert.equal(Atomics.notify(cell, 'v'), 2);
  await withTimeout(Promise.all(waits), 5000, 'waiters');
  assert.deepEqual(order, [0, 1, 2, 3]);
});

test('SPEC-api 4.5 / 5.6: with preemption on, the main thread yields inside its blocking typed-array Atomics.wait: a thread can notify it', async () => {
  // V8 handles interrupts inside that wait, so the preemption hands the lock over there too. The value
  // never changes, so only a notify can end the wait with 'ok'; the thread notifies until main is back.
  const words = new Int32Array(new SharedArrayBuffer(8));
  const waker = new Thread((w) => {
    let woken = 0;
    while (Atomics.load(w, 1) === 0) woken += Atomics.notify(w, 0);
    return woken;
  }, words);
  const outcome = Atomics.wait(words, 0, 0, 10_000);
  Atomics.store(words, 1, 1);
  assert.equal(outcome, 'ok');
  assert.ok((await joinWithin(waker)) >= 1, 'the thread woke the main thread');
});

// ---- SPEC-api rev 14, 4.5: the engine's texts and dispatch --------------

const typeError = (message) => ({ name: 'TypeError', message });

test('SPEC-api 4.5: property-path errors carry the engine\'s texts', () => {
  const o = Object.create({ inherited: 1 });
  o.own = 1;
  Object.defineProperty(o, 'acc', { get() { return 2; }, set() {}, configurable: true });
  Object.defineProperty(o, 'ro', { value: 3, writable: false, configurable: true });
  for (const key of ['absent', 'acc', 'inherited']) {
    assert.throws(() => Atomics.load(o, key), typeError('Atomics.load: object has no own property'));
    assert.throws(() => Atomics.wait(o, key, 0, 0), typeError('Atomics.load: object has no own property'));
    assert.throws(() => Atomics.waitAsync(o, key, 0), typeError('Atomics.load: object has no own property'));
    assert.throws(() => Atomics.add(o, key, 1), typeError('Atomics RMW: object has no own data property'));
  }
  assert.equal(Atomics.load(o, 'ro'), 3);
  assert.throws(() => Atomics.store(o, 'acc', 1), typeError('Atomics.store: property is an accessor'));
  assert.throws(() => Atomics.store(o, 'ro', 1), typeError('Atomics.store: property is not writable'));
  assert.throws(() => Atomics.store(Object.preventExtensions({}), 'n', 1),
    typeError('Atomics.store: cannot add a property to a non-extensible object'));
  assert.throws(() => Atomics.exchange(o, 'absent', 1), typeError('Atomics.exchange: object has no own data property'));
  assert.throws(() => Atomics.exchange(o, 'ro', 1), typeError('Atomics.exchange: property is not writable'));
  assert.throws(() => Atomics.compareExchange(o, 'acc', 1, 2), typeError('Atomics.compareExchange: object has no own data property'));
  assert.throws(() => Atomics.compareExchange(o, 'ro', 3, 9), typeError('Atomics.compareExchange: property is not writable'));
  assert.throws(() => Atomics.compareExchange(o, 'ro', 999, 9), typeError('Atomics.compareExchange: property is not writable'));
  const frozen = Object.freeze({ word: 0, s: 'x' });
  assert.throws(() => Atomics.add(frozen, 'word', 1), typeError('Atomics RMW: property is not writable'));
  assert.throws(() => Atomics.add(frozen, 's', 1), typeError('Atomics RMW: property is not writable'), 'writability first');
  o.str = 'x';
  o.big = 1n;
  assert.throws(() => Atomics.xor(o, 'str', 1), typeError('Atomics RMW: stored value is not a number'));
  assert.throws(() => Atomics.add(o, 'big', 1), typeError('Atomics RMW: stored value is not a number'));
  assert.equal(Atomics.exchange(o, 'str', 7), 'x', 'exchange takes any stored value');
  assert.equal(o.ro, 3);
  assert.equal(frozen.word, 0);
});

test('SPEC-api 4.5: notify needs no property (0 woken); arrays and symbols are keys; views stay on the typed-array path', () => {
  assert.equal(Atomics.notify({}, 'absent'), 0);
  assert.equal(Atomics.notify({}, 'absent', 5), 0);
  const array = [10, 20];
  assert.equal(Atomics.add(array, 1, 5), 20);
  assert.equal(array[1], 25);
  const sym = Symbol('k');
  const o = { [sym]: 4 };
  assert.equal(Atomics.add(o, sym, 1), 4);
  assert.equal(o[sym], 5);
  assert.throws(() => Atomics.load(new Float64Array(1), 0), TypeError);
  assert.throws(() => Atomics.load(1, 0), TypeError);
  assert.throws(() => Atomics.notify(null, 0), TypeError);
  const boom = new Error('key-boom');
  assert.throws(() => Atomics.load(o, { toString() { throw boom; } }), (error) => error === boom);
});

test('SPEC-api I11: property waiters and typed-array waiters never wake each other', async () => {
  const o = { k: 0, j: 0 };
  const other = { k: 0 };
  const ta = new Int32Array(new SharedArrayBuffer(8));
  const waiting = Atomics.waitAsync(o, 'k', 0, 60000);
  const taWaiting = Atomics.waitAsync(ta, 0, 0, 60000);
  assert.equal(waiting.async, true);
  assert.equal(taWaiting.async, true);
  assert.equal(Atomics.notify(ta, 1), 0, 'another index');
  assert.equal(Atomics.notify(o, 'j'), 0, 'another key');
  assert.equal(Atomics.notify(other, 'k'), 0, 'another object');
  // A notify on index 0 of the view only finds the typed-array waiter.
  assert.equal(Atomics.notify(ta, 0), 1);
  assert.equal(await withTimeout(taWaiting.value, 10000, 'ta waiter'), 'ok');
  assert.equal(Atomics.notify(o, 'k'), 1);
  assert.equal(await withTimeout(waiting.value, 10000, 'property waiter'), 'ok');
});

test('SPEC-api I22: a property waitAsync with a finite time-out on a spawned thread settles "timed-out"', async () => {
  const o = { k: 0 };
  const result = await joinWithin(new Thread(() => ({ waiting: Atomics.waitAsync(o, 'k', 0, 20) })));
  assert.equal(result.waiting.async, true);
  assert.equal(await withTimeout(result.waiting.value, 10000, 'waitAsync'), 'timed-out');
});

// ---- corpus round: the typed-array path keeps ECMA-262's order ------------

// Detaches `buffer` (structuredClone's transfer works on every Node the shim
// supports; ArrayBuffer.prototype.transfer is Node 22+).
const detach = (buffer) => structuredClone(buffer, { transfer: [buffer] });
const detachingIndex = (buffer, index) => ({ valueOf() { detach(buffer); return index; } });
const outOfRange = { name: 'RangeError', message: 'Access index out of bounds for atomic access.' };

test('SPEC-api 4.5 / I1 (ValidateAtomicAccess): an out-of-range typed-array index is a RangeError with the engine\'s text', () => {
  const i32 = new Int32Array(4);
  const shared = new Int32Array(new SharedArrayBuffer(16));
  assert.throws(() => Atomics.load(i32, 4), outOfRange);
  assert.throws(() => Atomics.store(i32, 100, 1), outOfRange);
  assert.throws(() => Atomics.compareExchange(i32, 9, 0, 1), outOfRange);
  assert.throws(() => Atomics.notify(i32, 4), outOfRange, 'notify checks the index on a non-shared buffer too');
  assert.throws(() => Atomics.wait(shared, 4, 0, 0), outOfRange);
  assert.throws(() => Atomics.add(new BigInt64Array(2), '2', 1n), outOfRange);
  // In range, the operations are V8's own.
  assert.equal(Atomics.add(i32, 3, 5), 0);
  assert.equal(Atomics.load(i32, '3'), 5);
  assert.equal(Atomics.notify(i32, 0), 0);
});

test('SPEC-api 4.5 / I1 (ValidateAtomicAccess): the length is read before ToIndex, so a detaching index out of range is still a RangeError', () => {
  const ops = {
    load: (ta, i) => Atomics.load(ta, i),
    store: (ta, i) => Atomics.store(ta, i, 1),
    add: (ta, i) => Atomics.add(ta, i, 1),
    xor: (ta, i) => Atomics.xor(ta, i, 1),
    exchange: (ta, i) => Atomics.exchange(ta, i, 1),
    compareExchange: (ta, i) => Atomics.compareExchange(ta, i, 0, 1),
  };
  for (const [name, op] of Object.entries(ops)) {
    const far = new Int32Array(8);
    assert.throws(() => op(far, detachingIndex(far.buffer, 50)), outOfRange, name);
    assert.equal(far.byteLength, 0, `${name}: the conversion did detach`);
    const near = new Int32Array(8);
    assert.throws(() => op(near, detachingIndex(near.buffer, 2)), TypeError, `${name}: in range, the detached TypeError`);
    const before = new Int32Array(8);
    detach(before.buffer);
    assert.throws(() => op(before, 50), TypeError, `${name}: detached before the call: TypeError whatever the index`);
  }
  // notify on a buffer that is not shared returns +0 once the index is valid.
  const view = new Int32Array(8);
  assert.equal(Atomics.notify(view, detachingIndex(view.buffer, 2), 1), 0);
  const zero = new Int32Array(0);
  assert.throws(() => Atomics.load(zero, detachingIndex(zero.buffer, 0)), outOfRange);
});

test('SPEC-api 4.5: a view V8 refuses keeps V8\'s TypeError before the index is converted', () => {
  let converted = false;
  const index = { valueOf() { converted = true; return 0; } };
  assert.throws(() => Atomics.load(new Float64Array(4), index), TypeError);
  assert.throws(() => Atomics.wait(new Int32Array(4), index, 0, 0), TypeError, 'wait needs a shared buffer');
  assert.equal(converted, false);
});
