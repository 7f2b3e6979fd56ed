/**
 * The sleep/wake protocol of the pool, in one place for both sides (see
 * pool/README.md, "Sleep and wake-up"): workers sleep on `WakeSeq` with
 * `Sleepers` as their announcement, the caller sleeps on `CompletionSeq`
 * with `CallerWaiting` as its own. Each sleeper announces, then re-checks
 * for work, then waits while the sequence word is unchanged; each producer
 * makes its work visible, then reads the announcement. So a wake-up is
 * never lost: either the sleeper's re-check sees the work, or the producer
 * sees the announcement and moves the sequence on.
 *
 * How long to spin and whether to block or wait asynchronously stays with
 * each side; only the words and their order live here.
 *
 * @module
 */
import { futexNotify } from '../sync/futex.js';
import { Header } from './scheduler-memory.js';

/**
 * Worker side, step 1 of a sleep: announce it and return the `WakeSeq` to
 * wait on. The caller of this must re-check for work before waiting, and
 * call {@link endSleep} after the wait.
 *
 * @example
 * ```ts
 * const seq = beginSleep(words);
 * if (!hasWork()) Atomics.wait(words, Header.WakeSeq, seq, 10);
 * endSleep(words);
 * ```
 */
export function beginSleep(words: Int32Array): number {
  Atomics.add(words, Header.Sleepers, 1);
  return Atomics.load(words, Header.WakeSeq);
}

/** Worker side, last step of a sleep: withdraw the announcement of {@link beginSleep}. */
export function endSleep(words: Int32Array): void {
  Atomics.sub(words, Header.Sleepers, 1);
}

/**
 * Producer side, after work became visible (a push onto the injector or a
 * deque): wake `count` sleeping workers if any announced a sleep.
 */
export function wakeSleepers(words: Int32Array, count = Infinity): void {
  // Orders after the push: a sleeper either sees the work in its re-check or sees WakeSeq move.
  if (Atomics.load(words, Header.Sleepers) > 0) wakeAll(words, count);
}

/**
 * Move `WakeSeq` on and notify, whether or not anyone announced a sleep: for
 * what a sleeper does not re-check (a message posted to it, shutdown).
 */
export function wakeAll(words: Int32Array, count = Infinity): void {
  Atomics.add(words, Header.WakeSeq, 1);
  futexNotify(words, Header.WakeSeq, count);
}

/**
 * Caller side, step 1 of its sleep: announce it and return the
 * `CompletionSeq` to wait on (re-check the completion queue before waiting).
 */
export function beginCallerSleep(words: Int32Array): number {
  Atomics.store(words, Header.CallerWaiting, 1);
  return Atomics.load(words, Header.CompletionSeq);
}

/** Caller side, after its wait: withdraw the announcement. */
export function endCallerSleep(words: Int32Array): void {
  Atomics.store(words, Header.CallerWaiting, 0);
}

/**
 * Worker side, after pushing a top-level completion: move `CompletionSeq`
 * on, and wake the caller if it announced a sleep. One notify per caller
 * sleep: whoever clears the flag wakes it, and it drains every completion
 * when it wakes.
 */
export function wakeCaller(words: Int32Array): void {
  Atomics.add(words, Header.CompletionSeq, 1);
  if (Atomics.compareExchange(words, Header.CallerWaiting, 1, 0) === 1) futexNotify(words, Header.CompletionSeq);
}
