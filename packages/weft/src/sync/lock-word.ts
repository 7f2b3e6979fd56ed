/**
 * The Mutex lock word and its slow paths (see `sync/README.md`).
 *
 * `STATE` (Int32): bits 0-27 the owner's thread id (0: free), bit 29
 * `STARVING` (only the queue head may take a free lock), bit 30 `POISONED`
 * (a holder died), bit 31 `PARKED` (the queue head sleeps on this word:
 * unlock must notify).
 *
 * The fast paths are one compareExchange each: lock `0 -> me`, unlock
 * `me -> 0`. Any flag makes them fail over to the functions here.
 *
 * @module
 */
import { isThreadDead } from './dead-threads.js';
import { SLICE_MS, futexWait, remaining, type FutexSteps, futexNotify } from './futex.js';
import { THREAD_ID_MASK } from './thread-id.js';
import { awaitTurn, enqueue, isLastTicket, pass } from './wait-queue.js';

export const STATE = 0;
/** A random identity of the lock's memory (Condition binds to it). */
export const LOCK_ID = 1;
/** Thread id of the holder whose death poisoned the lock. */
export const POISONER = 2;
/** The wait queue starts on its own cache line. */
export const QUEUE_BASE = 16;

export const OWNER_MASK = THREAD_ID_MASK;
export const STARVING = 1 << 29;
export const POISONED = 1 << 30;
export const PARKED = 1 << 31;

/** A head that has waited this long (ms) turns on STARVING: the lock is handed to it, no barging. */
const STARVE_MS = 1;

/** Returned by {@link acquireSlow} when the deadline passed. */
export const TIMED_OUT = 0;

/** Spins before queueing/parking: a blocking thread spins longer than an event loop may. */
export const SPIN_BLOCKING = 200;
export const SPIN_ASYNC = 20;

/**
 * If the owner recorded in `s` is dead, release the lock on its behalf and
 * poison it. Returns true when it did (the caller re-reads the word).
 */
function reapDeadOwner(words: Int32Array, s: number): boolean {
  const owner = s & OWNER_MASK;
  if (owner === 0 || !isThreadDead(owner)) return false;
  // Releases the dead owner's hold (keeps STARVING for the queue head); only one reaper wins.
  if (Atomics.compareExchange(words, STATE, s, (s & STARVING) | POISONED) === s) {
    Atomics.store(words, POISONER, owner);
    // The head may be parked on the dead owner's hold: wake it to take the lock.
    if ((s & PARKED) !== 0) futexNotify(words, STATE);
  }
  return true;
}

/**
 * The slow path of lock: barge while the lock is free and not starving,
 * else queue (FIFO), and as the queue head take the lock when it is free.
 * Returns the state written when acquired (owner `me`, maybe `POISONED`),
 * or {@link TIMED_OUT}.
 */
export function* acquireSlow(words: Int32Array, me: number, deadline: number, spin: number): FutexSteps<number> {
  // Barging: newcomers may take a free lock unless a starving head is owed it.
  for (let i = 0; i <= spin; i++) {
    const s = Atomics.load(words, STATE);
    if ((s & (OWNER_MASK | STARVING)) === 0) {
      const next = (s & POISONED) | me;
      // Acquire: orders the critical section after the previous holder's release.
      if (Atomics.compareExchange(words, STATE, s, next) === s) return next;
    } else if (reapDeadOwner(words, s)) {
      continue;
    }
  }
  let ticket: number | undefined;
  for (;;) {
    ticket = yield* enqueue(words, QUEUE_BASE, me, deadline);
    if (ticket === undefined) return TIMED_OUT;
    const turn = yield* awaitTurn(words, QUEUE_BASE, ticket, deadline);
    if (turn === 'head') break;
    if (turn === 'timeout') return TIMED_OUT;
  }
  // The head: the only waiter sleeping on STATE.
  const headSince = performance.now();
  let spins = 0;
  for (;;) {
    const s = Atomics.load(words, STATE);
    if ((s & OWNER_MASK) === 0) {
      let next = (s & POISONED) | me;
      // Stay in starvation mode only while others wait and this head itself waited long.
      if ((s & STARVING) !== 0 && !isLastTicket(words, QUEUE_BASE, ticket) && performance.now() - headSince >= STARVE_MS) {
        next |= STARVING;
      }
      // Acquire (PARKED is never set on a free lock: release clears it).
      if (Atomics.compareExchange(words, STATE, s, next) === s) {
        pass(words, QUEUE_BASE, ticket);
        return next;
      }
      continue;
    }
    if (spins < spin) {
      spins++;
      continue;
    }
    const left = remaining(deadline);
    if (left <= 0) {
      pass(words, QUEUE_BASE, ticket);
      return TIMED_OUT;
    }
    if (reapDeadOwner(words, s)) continue;
    if ((s & STARVING) === 0 && performance.now() - headSince >= STARVE_MS) {
      // From now on, release leaves the lock to the head: bargers queue.
      Atomics.compareExchange(words, STATE, s, s | STARVING);
      continue;
    }
    if ((s & PARKED) === 0) {
      // Tell the holder to notify on release; the wait below rechecks the word atomically.
      Atomics.compareExchange(words, STATE, s, s | PARKED);
      continue;
    }
    // Woken by release (notify on STATE); the slice bounds how long a dead owner can stall us.
    yield futexWait(words, STATE, s, Math.min(SLICE_MS, left));
  }
}

/**
 * The slow path of unlock (the fast `me -> 0` exchange failed because a flag
 * is set). Returns false when `me` does not hold the lock.
 */
export function releaseSlow(words: Int32Array, me: number): boolean {
  for (;;) {
    const s = Atomics.load(words, STATE);
    if ((s & OWNER_MASK) !== me) return false;
    // Release: publishes the critical section to the next acquirer; keeps POISONED and STARVING.
    if (Atomics.compareExchange(words, STATE, s, s & (POISONED | STARVING)) === s) {
      // Wakes the parked queue head (the only waiter on STATE).
      if ((s & PARKED) !== 0) futexNotify(words, STATE);
      return true;
    }
  }
}
