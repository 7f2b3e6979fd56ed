import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runBlocking } from '../../../src/sync/futex.js';
import { QUEUE_SLOTS, QUEUE_WORDS, awaitTurn, cancel, enqueue, initQueue, pass, queueEmpty, reapDeadHead } from '../../../src/sync/wait-queue.js';
import { markThreadDead } from '../../../src/sync/dead-threads.js';

function newQueue(): Int32Array {
  const words = new Int32Array(new SharedArrayBuffer(QUEUE_WORDS * 4));
  initQueue(words, 0);
  return words;
}

/** Whether ticket t would be told it is the head right now (a zero-timeout awaitTurn that does not cancel). */
function isGranted(words: Int32Array, t: number): boolean {
  const at = 3 + (t & (QUEUE_SLOTS - 1));
  return Atomics.load(words, at) === t << 1;
}

function take(words: Int32Array, me = 1): number {
  const t = runBlocking(enqueue(words, 0, me, Infinity));
  if (t === undefined) throw new Error('enqueue timed out');
  return t;
}

type Op = { kind: 'enqueue' } | { kind: 'finish-head' } | { kind: 'cancel'; pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.constant<Op>({ kind: 'enqueue' }),
  fc.constant<Op>({ kind: 'finish-head' }),
  fc.nat(1000).map<Op>((pick) => ({ kind: 'cancel', pick })),
);

describe('wait queue (FIFO ticket queue in shared memory)', () => {
  it('grants tickets in FIFO order, skipping cancelled ones (model-based, seeded)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const words = newQueue();
        const waiting: number[] = []; // live tickets, in arrival order; waiting[0] is the head
        for (const o of ops) {
          if (o.kind === 'enqueue') {
            if (waiting.length >= QUEUE_SLOTS) continue;
            waiting.push(take(words));
          } else if (o.kind === 'finish-head') {
            const head = waiting.shift();
            if (head !== undefined) pass(words, 0, head);
          } else {
            if (waiting.length === 0) continue;
            const i = o.pick % waiting.length;
            const t = waiting[i] as number;
            const wasCancelled = cancel(words, 0, t);
            // The head cannot cancel: it is granted already, and must pass instead.
            expect(wasCancelled).toBe(i !== 0);
            if (!wasCancelled) pass(words, 0, t);
            waiting.splice(i, 1);
          }
          // Invariant: exactly the oldest live ticket is granted; the rest are pending.
          waiting.forEach((t, i) => expect(isGranted(words, t)).toBe(i === 0));
          expect(queueEmpty(words, 0)).toBe(waiting.length === 0);
        }
        // Drain: finishing heads one by one grants every remaining ticket in order.
        while (waiting.length > 0) {
          const head = waiting.shift() as number;
          expect(isGranted(words, head)).toBe(true);
          pass(words, 0, head);
        }
        expect(queueEmpty(words, 0)).toBe(true);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('survives ticket wrap-around at 2^31', () => {
    const words = newQueue();
    // Start near the int32 limit: tickets wrap to negative numbers.
    const start = 0x7fff_fff0;
    Atomics.store(words, 0, start);
    Atomics.store(words, 1, start);
    const tickets = Array.from({ length: 40 }, () => take(words));
    expect(tickets[0]).toBe(start);
    expect(tickets.some((t) => t < 0)).toBe(true);
    for (const t of tickets) {
      expect(isGranted(words, t)).toBe(true);
      pass(words, 0, t);
    }
    expect(queueEmpty(words, 0)).toBe(true);
  });

  it('makes a newcomer wait for room when the ring is full, and times out', () => {
    const words = newQueue();
    for (let i = 0; i < QUEUE_SLOTS; i++) take(words);
    const steps = enqueue(words, 0, 1, performance.now() + 20);
    const first = steps.next();
    expect(first.done).toBe(false); // it asks to sleep on HEAD
    expect(runBlocking(enqueue(words, 0, 1, performance.now() + 20))).toBeUndefined();
  });

  it('awaitTurn times out and cancels a waiting ticket, which is then skipped', () => {
    const words = newQueue();
    const head = take(words);
    const second = take(words);
    const third = take(words);
    expect(runBlocking(awaitTurn(words, 0, second, performance.now() + 5))).toBe('timeout');
    pass(words, 0, head);
    expect(isGranted(words, third)).toBe(true);
  });

  it('skips a dead waiter at the head', () => {
    const words = newQueue();
    const deadId = 0x0abc_def1;
    const dead = take(words, deadId);
    const alive = take(words, 2);
    markThreadDead(deadId);
    expect(isGranted(words, dead)).toBe(true);
    reapDeadHead(words, 0);
    expect(isGranted(words, alive)).toBe(true);
  });
});
