'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
require('..');
const { joinWithin } = require('../test-support/helpers.js');

test('ThreadLocal gives each thread its own slot, initially undefined', async () => {
  const local = new ThreadLocal();
  assert.equal(local.value, undefined);
  local.value = 'main';
  const gate = { step: 0 };
  const worker = (name) => () => {
    const initial = local.value;
    local.value = name;
    // Handshake: both threads set their value before either reads it back.
    Atomics.add(gate, 'step', 1);
    Atomics.notify(gate, 'step');
    while (Atomics.load(gate, 'step') < 2) {
      if (Atomics.wait(gate, 'step', 1, 10000) === 'timed-out') throw new Error('handshake timed out');
    }
    return [initial, local.value];
  };
  const a = new Thread(worker('a'));
  const b = new Thread(worker('b'));
  assert.deepEqual(await joinWithin(a), [undefined, 'a']);
  assert.deepEqual(await joinWithin(b), [undefined, 'b']);
  assert.equal(local.value, 'main');
});

test('separate ThreadLocal objects are separate slots', async () => {
  const first = new ThreadLocal();
  const second = new ThreadLocal();
  first.value = 1;
  second.value = 2;
  assert.deepEqual([first.value, second.value], [1, 2]);
  const thread = new Thread(() => {
    first.value = 'x';
    return [first.value, second.value];
  });
  assert.deepEqual(await joinWithin(thread), ['x', undefined]);
  assert.equal(first.value, 1);
});

test('value rejects foreign receivers', () => {
  const getter = Object.getOwnPropertyDescriptor(ThreadLocal.prototype, 'value').get;
  assert.throws(() => getter.call({}), TypeError);
});
