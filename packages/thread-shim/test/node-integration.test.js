'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { Worker } = require('node:worker_threads');
const { install } = require('..');
const { joinWithin, withTimeout } = require('../test-support/helpers.js');

install({ preempt: { intervalMs: 2 } });

test('timers, promises, fs callbacks and workers keep working next to busy threads', async () => {
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

test('a thread can use timers and fs; its callbacks run on the main thread', async () => {
  const done = new Promise((resolve) => {
    const thread = new Thread(() => {
      setTimeout(() => resolve(Thread.current.id), 10);
      return fs.readFileSync(__filename, 'utf8').length;
    });
    thread.asyncJoin().then((length) => assert.ok(length > 0));
  });
  assert.equal(await withTimeout(done, 10000, 'timer set by a thread'), 0);
});

test('the shim cannot be installed inside a Worker', async () => {
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
