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

test('threads preempted while running regexps neither crash nor get wrong matches', async () => {
  const { status, signal, stdout, stderr } = await runNode(child, { ms: 120_000 });
  assert.equal(signal, null, `killed by ${signal}; stderr: ${stderr}`);
  assert.equal(status, 0, `exit ${status}; stderr: ${stderr}`);
  const { round, preemptions, preemptionsDeferred } = JSON.parse(stdout);
  assert.ok(round < 30, `after 30 rounds: ${preemptions} preemptions, ${preemptionsDeferred} deferred`);
  assert.ok(preemptions > 0, 'threads were preempted');
  assert.ok(preemptionsDeferred > 0, 'some interrupts landed inside the regexp engine and were deferred');
});
