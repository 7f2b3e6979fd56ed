'use strict';
// Races (SPEC-api 5.2 and invariants I6, I15, I9, I10 under preemption):
// counters and handshakes with threads interleaving anywhere, and
// preemption next to V8's regular-expression engine.
//
// Preemption and V8's regular-expression engine: irregexp checks for
// interrupts while it backtracks, and keeps its backtracking state in
// per-isolate memory: a thread switched out there and another thread's match
// corrupted it (SIGSEGV in the irregexp backtrack on every run of this
// workload before the shim learned to defer such interrupts). The workload
// runs in a child process so that a crash is reported as a signal.
const test = require('node:test');
const assert = require('node:assert/strict');
const { install } = require('..');
const { joinWithin, withTimeout, runNode } = require('../test-support/helpers.js');

install({ preempt: { intervalMs: 1 } });

const shim = JSON.stringify(require.resolve('..'));

// Three threads and the main thread run backtracking regexps (native code,
// and the bytecode interpreter before tier-up) with a 1 ms preemption
// interval, round after round until both kinds of interrupt were seen: some
// that gave the lock away, some deferred inside the regexp engine (bounded
// at 30 rounds). Every result must equal the one computed without threads.
const child = `
const { install, stats } = require(${shim});
const text = 'alpha beta gamma delta '.repeat(40);
function work(rounds) {
  let n = 0;
  for (let i = 0; i < rounds; i++) {
    const m = /(\\w+)\\s+(\\w+)\\s+(?:\\w+\\s+)*?(delta)/.exec(text + i);
    n += m ? m[3].length + m[1].length : 0;
    n += text.replace(/(a)(l|e|m)/g, (_, a, b) => b + a).length;
    n += /^(a|b|ab)*c$/.test('ab'.repeat(10) + 'x') ? 1 : 0;
  }
  return n;
}
const expected = work(400);
install({ preempt: { intervalMs: 1 } });
(async () => {
  let round = 0;
  for (; round < 30; round++) {
    const threads = [1, 2, 3].map(() => new Thread(work, 400));
    const onMain = work(400);
    const results = await Promise.all(threads.map((t) => t.asyncJoin()));
    for (const r of [onMain, ...results]) if (r !== expected) throw new Error('round ' + round + ': ' + r + ' !== ' + expected);
    const { preemptions, preemptionsDeferred } = stats();
    if (preemptions > 0 && preemptionsDeferred > 0) break;
  }
  const { preemptions, preemptionsDeferred } = stats();
  console.log(JSON.stringify({ round, preemptions, preemptionsDeferred }));
})();
`;

// The shim keeps preemption out of V8's regexp engine by recognising its frames by name: dladdr on
// Node 20 and 22, the executable's .symtab on npm's Node 24 (whose binary exports none of them).
test('SPEC-api 5.2 (preemption): threads preempted while running regexps neither crash nor get wrong matches', {
}, async () => {
  const { status, signal, stdout, stderr } = await runNode(child, { ms: 120_000 });
  assert.equal(signal, null, `killed by ${signal}; stderr: ${stderr}`);
  assert.equal(status, 0, `exit ${status}; stderr: ${stderr}`);
  const { round, preemptions, preemptionsDeferred } = JSON.parse(stdout);
  assert.ok(round < 30, `after 30 rounds: ${preemptions} preemptions, ${preemptionsDeferred} deferred`);
  assert.ok(preemptions > 0, 'threads were preempted');
  assert.ok(preemptionsDeferred > 0, 'some interrupts landed inside the regexp engine and were deferred');
});

test('the regexp engine is found in this Node binary by symbol (dynamic, or the executable\'s .symtab)', () => {
  const { regexpEngineFunctions } = require('..').stats();
  // The official Node 20, 22 and 24 binaries carry a full .symtab (a stripped build would leave dladdr alone).
  assert.ok(regexpEngineFunctions > 100, `only ${regexpEngineFunctions} regexp functions found in ${process.execPath}`);
});

test('SPEC-api I6: N x M lock.hold increments with the main thread contending through asyncHold are exact', async () => {
  const lock = new Lock();
  const shared = { counter: 0 };
  const threads = [0, 1, 2].map(() => new Thread(() => {
    for (let i = 0; i < 3000; i++) lock.hold(() => { shared.counter++; });
  }));
  for (let i = 0; i < 300; i++) await lock.asyncHold(() => { shared.counter++; });
  await Promise.all(threads.map((t) => joinWithin(t)));
  assert.equal(shared.counter, 3 * 3000 + 300);
});

test('SPEC-api I15: N x M Atomics.add and a compareExchange retry loop on a property are exact', async () => {
  const shared = { added: 0, cas: 0 };
  const threads = [0, 1, 2, 3].map(() => new Thread(() => {
    for (let i = 0; i < 5000; i++) {
      Atomics.add(shared, 'added', 1);
      for (;;) {
        const seen = Atomics.load(shared, 'cas');
        if (Atomics.compareExchange(shared, 'cas', seen, seen + 1) === seen) break;
      }
    }
  }));
  await Promise.all(threads.map((t) => joinWithin(t)));
  assert.deepEqual(shared, { added: 20000, cas: 20000 });
});

test('SPEC-api I9: producer/consumer with three threads and two waiters loses no wake-up', async () => {
  const lock = new Lock();
  const cond = new Condition();
  const box = { items: [], done: 0 };
  const consumer = () => new Thread(() => {
    let taken = 0;
    for (;;) {
      const item = lock.hold(() => {
        while (box.items.length === 0 && box.done === 0) cond.wait(lock);
        return box.items.length > 0 ? box.items.shift() : null;
      });
      if (item === null) return taken;
      taken++;
    }
  });
  const consumers = [consumer(), consumer()];
  const producer = new Thread(() => {
    for (let i = 0; i < 2000; i++) {
      lock.hold(() => box.items.push(i));
      cond.notify();
    }
    lock.hold(() => { box.done = 1; });
    cond.notifyAll();
  });
  await joinWithin(producer);
  const taken = await Promise.all(consumers.map((t) => joinWithin(t)));
  assert.equal(taken[0] + taken[1], 2000);
});

test('SPEC-api I10: property wait/notify ping-pong between two spawned threads terminates', async () => {
  const turn = { v: 0 };
  const player = (mine, next) => new Thread(() => {
    for (let round = 0; round < 500; round++) {
      while (Atomics.load(turn, 'v') !== mine) Atomics.wait(turn, 'v', Atomics.load(turn, 'v') === mine ? -1 : Atomics.load(turn, 'v'), 10000);
      Atomics.store(turn, 'v', next);
      Atomics.notify(turn, 'v');
    }
    return 'done';
  });
  const a = player(0, 1);
  const b = player(1, 0);
  assert.deepEqual([await joinWithin(a), await joinWithin(b)], ['done', 'done']);
});
