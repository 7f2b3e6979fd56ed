'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
require('..');
const { joinWithin } = require('../test-support/helpers.js');

test('Thread.restrict pins an object; property Atomics from another thread throw', async () => {
  const pinned = Thread.restrict({ count: 0 });
  assert.equal(Atomics.add(pinned, 'count', 1), 0);
  const thread = new Thread(() => {
    try {
      Atomics.load(pinned, 'count');
      return 'no error';
    } catch (error) {
      return error;
    }
  });
  const error = await joinWithin(thread);
  assert.ok(error instanceof ConcurrentAccessError);
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'ConcurrentAccessError');
  assert.equal(error.code, 'ERR_CONCURRENT_ACCESS');
  assert.match(error.message, /restricted to thread 0/);
});

test('an object restricted by a thread belongs to that thread', async () => {
  const thread = new Thread(() => {
    const mine = Thread.restrict([1, 2, 3]);
    Atomics.store(mine, 0, 'ok here');
    return mine;
  });
  const mine = await joinWithin(thread);
  assert.throws(() => Atomics.load(mine, 0), ConcurrentAccessError);
  assert.throws(() => Thread.restrict(mine), ConcurrentAccessError);
  assert.throws(() => Thread.restrict(1), TypeError);
});
