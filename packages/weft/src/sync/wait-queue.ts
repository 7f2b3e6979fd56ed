/**
 * The FIFO queue of waiters that Mutex, RwLock and Semaphore share: a ticket
 * queue in shared memory. A waiter takes a ticket, sleeps on its own slot
 * until it is *granted* (it becomes the head), and the head alone competes
 * for the lock word. When the head is done (it got the lock, timed out, or
 * died) it *passes*: HEAD moves on and the next live ticket is granted.
 *
 * Words, from `base`:
 *
 * | word | meaning |
 * | --- | --- |
 * | `TAIL` | next ticket to hand out (`Atomics.add`/compareExchange) |
 * | `HEAD` | lowest ticket not yet finished; moves only by compareExchange(h, h + 1) |
 * | `ROOM` | waiters sleeping on `HEAD` because the ring was full |
 * | `DECISION[i]` | for ticket t at i = t mod N: `granted(t)` or `cancelled(t)`; anything else means pending |
 * | `OWNER[i]` | thread id of ticket t's waiter (for dead-waiter detection) |
 *
 * Why no grant is lost: HEAD is stored before TAIL is read (in `pass`), and
 * TAIL is incremented before HEAD is read (in `enqueue`). Atomics are
 * sequentially consistent, so at least one side sees the other: either the
 * passer sees the new ticket and grants it, or the new ticket sees that it
 * is at HEAD and grants itself. A grant is a compareExchange on the slot, so
 * doing it twice is harmless; a cancellation is a compareExchange on the
 * same slot, so a ticket is granted or cancelled, never both.
 *
 * Tickets are int32 and wrap; only differences and equality are used.
 *
 * @module
 */
import { SLICE_MS, futexWait, remaining, type FutexSteps, futexNotify } from './futex.js';
import { isThreadDead } from './dead-threads.js';

/** Ring size: how many waiters can queue at once before newcomers wait for room. */
export const QUEUE_SLOTS = 128;
const MASK = QUEUE_SLOTS - 1;

const TAIL = 0;
const HEAD = 1;
const ROOM = 2;
const DECISION = 3;
const OWNER = DECISION + QUEUE_SLOTS;

/** Words a queue occupies. */
export const QUEUE_WORDS = OWNER + QUEUE_SLOTS;

const granted = (t: number): number => t << 1;
const cancelled = (t: number): number => (t << 1) | 1;

/** Initialise a queue's words (on memory nobody else sees yet). */
export function initQueue(words: Int32Array, base: number): void {
  // Slot i starts as "ticket i - N was granted": pending for ticket i.
  for (let i = 0; i < QUEUE_SLOTS; i++) words[base + DECISION + i] = granted(i - QUEUE_SLOTS);
}

/** Whether no ticket is waiting (a snapshot). */
export function queueEmpty(words: Int32Array, base: number): boolean {
  return Atomics.load(words, base + TAIL) === Atomics.load(words, base + HEAD);
}

/** Whether ticket `t` is the last one handed out (a snapshot). */
export function isLastTicket(words: Int32Array, base: number, t: number): boolean {
  return Atomics.load(words, base + TAIL) === ((t + 1) | 0);
}

/** Grant ticket `t` unless it was cancelled; true when `t` is (now) granted. */
function grant(words: Int32Array, base: number, t: number): boolean {
  const at = base + DECISION + (t & MASK);
  for (;;) {
    const v = Atomics.load(words, at);
    if (v === granted(t)) return true;
    if (v === cancelled(t)) return false;
    // Decides ticket t (exactly one of grant/cancel succeeds), then wakes its waiter.
    if (Atomics.compareExchange(words, at, v, granted(t)) === v) {
      futexNotify(words, at);
      return true;
    }
  }
}

/**
 * Ticket `t` is finished (it was the head and is done, or it was
 * cancelled): move HEAD past it and grant the next live ticket. A no-op
 * when HEAD is no longer `t`, so calling it twice is harmless.
 */
export function pass(words: Int32Array, base: number, t: number): void {
  let h = t;
  for (;;) {
    // Moves HEAD exactly once per ticket; ordered before the TAIL load below (see module doc).
    if (Atomics.compareExchange(words, base + HEAD, h, (h + 1) | 0) !== h) return;
    // Wakes waiters sleeping on HEAD for room in the ring.
    if (Atomics.load(words, base + ROOM) > 0) futexNotify(words, base + HEAD);
    h = (h + 1) | 0;
    if (Atomics.load(words, base + TAIL) === h) return; // empty: the next enqueuer grants itself
    if (grant(words, base, h)) return;
    // h was cancelled: finish it too.
  }
}

/**
 * Take a ticket. Yields while the ring is full; returns `undefined` when
 * `deadline` passes first.
 */
export function* enqueue(words: Int32Array, base: number, me: number, deadline: number): FutexSteps<number | undefined> {
  for (;;) {
    const t = Atomics.load(words, base + TAIL);
    const h = Atomics.load(words, base + HEAD);
    if (((t - h) | 0) >= QUEUE_SLOTS) {
      const left = remaining(deadline);
      if (left <= 0) return undefined;
      Atomics.add(words, base + ROOM, 1);
      try {
        // Sleeps until HEAD moves (pass() notifies HEAD while ROOM > 0).
        yield futexWait(words, base + HEAD, h, Math.min(SLICE_MS, left));
      } finally {
        Atomics.sub(words, base + ROOM, 1);
      }
      reapDeadHead(words, base);
      continue;
    }
    // Claims ticket t; ordered before the HEAD load below (see module doc).
    if (Atomics.compareExchange(words, base + TAIL, t, (t + 1) | 0) !== t) continue;
    Atomics.store(words, base + OWNER + (t & MASK), me);
    if (Atomics.load(words, base + HEAD) === t) grant(words, base, t);
    return t;
  }
}

/**
 * Sleep until ticket `t` is granted. Returns `'head'`, `'timeout'` (the
 * ticket was cancelled and passed on) or `'dropped'` (another waiter took
 * this one for dead and skipped it: take a new ticket).
 */
export function* awaitTurn(words: Int32Array, base: number, t: number, deadline: number): FutexSteps<'head' | 'timeout' | 'dropped'> {
  const at = base + DECISION + (t & MASK);
  for (;;) {
    const v = Atomics.load(words, at);
    if (v === granted(t)) return 'head';
    if (v === cancelled(t)) return 'dropped';
    const left = remaining(deadline);
    if (left <= 0) return cancel(words, base, t) ? 'timeout' : 'head';
    // Woken by grant() on this slot; the slice bounds how long a dead head can stall us.
    const outcome = yield futexWait(words, at, v, Math.min(SLICE_MS, left));
    if (outcome === 'timed-out') reapDeadHead(words, base);
  }
}

/**
 * Leave the queue. Returns true when the ticket was cancelled; false when it
 * had just been granted (the caller is the head and must use or pass it).
 */
export function cancel(words: Int32Array, base: number, t: number): boolean {
  const at = base + DECISION + (t & MASK);
  for (;;) {
    const v = Atomics.load(words, at);
    if (v === granted(t)) return false;
    if (v === cancelled(t)) return true;
    if (Atomics.compareExchange(words, at, v, cancelled(t)) === v) {
      // If HEAD already reached t and its passer has not looked yet, either it or we finish t.
      pass(words, base, t);
      return true;
    }
  }
}

/**
 * If the ticket at HEAD belongs to a dead thread, finish it on its behalf so
 * the queue moves on. Called by waiters after each timed-out slice.
 */
export function reapDeadHead(words: Int32Array, base: number): void {
  const h = Atomics.load(words, base + HEAD);
  if (Atomics.load(words, base + TAIL) === h) return;
  if (!isThreadDead(Atomics.load(words, base + OWNER + (h & MASK)))) return;
  const at = base + DECISION + (h & MASK);
  const v = Atomics.load(words, at);
  if (v === granted(h) || v === cancelled(h)) {
    pass(words, base, h);
  } else if (Atomics.compareExchange(words, at, v, cancelled(h)) === v) {
    pass(words, base, h);
  }
}
