/**
 * `Semaphore`: at most N holders at once, across threads.
 *
 * @module
 */
import { TimeoutError } from '../errors.js';
import { registerShareable } from '../memory/shareable.js';
import { checkInteger, describeValue } from '../validate.js';
import { adoptDeadThreads, deadThreadsBuffer } from './dead-threads.js';
import { assertCanBlock, deadlineOf, futexWait, remaining, runAsync, runBlocking, SLICE_MS, timeoutOf, type FutexSteps, type TimeoutOptions, futexNotify } from './futex.js';
import { SemaphorePermit } from './semaphore-permit.js';
import { currentThreadId } from './thread-id.js';
import { QUEUE_WORDS, awaitTurn, enqueue, initQueue, pass, queueEmpty } from './wait-queue.js';

/** Free permits. */
const PERMITS = 0;
/** 1 while the queue head sleeps on PERMITS (release must notify). */
const HEAD_WAITING = 1;
const QUEUE_BASE = 16;
const WORDS = QUEUE_BASE + QUEUE_WORDS;
const MAX_PERMITS = 0x7fff_ffff;

let reviving: SharedArrayBuffer | undefined;

interface SharedSemaphore {
  readonly buffer: SharedArrayBuffer;
  readonly deadThreads: SharedArrayBuffer;
}

/** Take `n` permits if that many are free; true on success. */
function take(words: Int32Array, n: number): boolean {
  for (;;) {
    const p = Atomics.load(words, PERMITS);
    if (p < n) return false;
    // Acquire: orders the holder's work after the release that freed the permits.
    if (Atomics.compareExchange(words, PERMITS, p, p - n) === p) return true;
  }
}

function* acquireSlow(words: Int32Array, n: number, me: number, deadline: number, spin: number): FutexSteps<boolean> {
  let ticket: number | undefined;
  for (;;) {
    ticket = yield* enqueue(words, QUEUE_BASE, me, deadline);
    if (ticket === undefined) return false;
    const turn = yield* awaitTurn(words, QUEUE_BASE, ticket, deadline);
    if (turn === 'head') break;
    if (turn === 'timeout') return false;
  }
  // The head: newcomers queue behind it (they only take permits while the queue is empty).
  try {
    for (let spins = 0; ; spins++) {
      if (take(words, n)) return true;
      if (spins < spin) continue;
      const left = remaining(deadline);
      if (left <= 0) return false;
      // Announce the sleep before the last check (Dekker with release: add PERMITS, then load HEAD_WAITING).
      Atomics.store(words, HEAD_WAITING, 1);
      const p = Atomics.load(words, PERMITS);
      if (p >= n) continue;
      // Woken by release (notify on PERMITS).
      yield futexWait(words, PERMITS, p, Math.min(SLICE_MS, left));
    }
  } finally {
    Atomics.store(words, HEAD_WAITING, 0);
    pass(words, QUEUE_BASE, ticket);
  }
}

/**
 * A counting semaphore shared by the main thread and workers: it holds a
 * number of permits; `acquire(n)` takes `n` (waiting while fewer are free)
 * and releasing gives them back. Waiters are served in FIFO order, so a
 * large request is not starved by a stream of small ones.
 *
 * @example
 * ```ts
 * import { Semaphore, parallelMap } from 'weftjs';
 * const db = new Semaphore(2); // at most 2 tasks query at once
 * await parallelMap(['a', 'b', 'c'], (key, _i, ctx) => {
 *   const permit = ctx.db.acquireSync();
 *   try {
 *     return key.toUpperCase();
 *   } finally {
 *     permit.release();
 *   }
 * }, { context: { db } });
 * ```
 */
export class Semaphore {
  readonly #words: Int32Array;
  readonly #giveBack = (count: number): void => this.release(count);

  /** @param permits - the permits initially free: an integer >= 0. */
  constructor(permits: number) {
    const adopted = reviving;
    reviving = undefined;
    if (adopted) {
      this.#words = new Int32Array(adopted);
      return;
    }
    checkInteger('new Semaphore', 'permits', permits, 0, MAX_PERMITS);
    this.#words = new Int32Array(new SharedArrayBuffer(WORDS * 4));
    this.#words[PERMITS] = permits;
    initQueue(this.#words, QUEUE_BASE);
  }

  /** The permits free right now (a snapshot). */
  get available(): number {
    return Atomics.load(this.#words, PERMITS);
  }

  /**
   * Take `permits` permits, waiting (without blocking the thread) until that
   * many are free.
   *
   * @param permits - how many (default 1): an integer >= 1.
   * @param options - `timeout` in ms: rejects with a {@link TimeoutError}.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'weftjs';
   * const s = new Semaphore(3);
   * using p = await s.acquire(2, { timeout: 100 });
   * console.log(s.available); // 1
   * ```
   */
  acquire(permits = 1, options?: TimeoutOptions): Promise<SemaphorePermit> {
    try {
      const n = this.#count('Semaphore.acquire', permits);
      const timeout = timeoutOf('Semaphore.acquire', options);
      if (queueEmpty(this.#words, QUEUE_BASE) && take(this.#words, n)) return Promise.resolve(new SemaphorePermit(n, this.#giveBack));
      return runAsync(acquireSlow(this.#words, n, currentThreadId(), deadlineOf(timeout), 0)).then((ok) =>
        this.#permit(ok, n, 'Semaphore.acquire', timeout),
      );
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * The blocking form of {@link Semaphore.acquire}, for workers (and Node's
   * main thread); throws a `TypeError` where the thread may not block.
   *
   * @throws TimeoutError when `timeout` passes first.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'weftjs';
   * const s = new Semaphore(1);
   * const p = s.acquireSync();
   * p.release();
   * ```
   */
  acquireSync(permits = 1, options?: TimeoutOptions): SemaphorePermit {
    const n = this.#count('Semaphore.acquireSync', permits);
    const timeout = timeoutOf('Semaphore.acquireSync', options);
    if (queueEmpty(this.#words, QUEUE_BASE) && take(this.#words, n)) return new SemaphorePermit(n, this.#giveBack);
    assertCanBlock('Semaphore.acquireSync');
    return this.#permit(runBlocking(acquireSlow(this.#words, n, currentThreadId(), deadlineOf(timeout), 100)), n, 'Semaphore.acquireSync', timeout);
  }

  /**
   * Take `permits` permits if they are free now and nobody is queued; never waits.
   *
   * @returns the permits, or `null`.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'weftjs';
   * const s = new Semaphore(1);
   * const p = s.tryAcquire();
   * console.log(p !== null, s.tryAcquire()); // true null
   * ```
   */
  tryAcquire(permits = 1): SemaphorePermit | null {
    const n = this.#count('Semaphore.tryAcquire', permits);
    return queueEmpty(this.#words, QUEUE_BASE) && take(this.#words, n) ? new SemaphorePermit(n, this.#giveBack) : null;
  }

  /**
   * Add `permits` free permits (what a {@link SemaphorePermit} does when
   * released). Any thread may call it: a semaphore has no owner, so it also
   * works as a signal from producers to consumers.
   *
   * @throws RangeError when the count would exceed 2^31 - 1.
   *
   * @example
   * ```ts
   * import { Semaphore } from 'weftjs';
   * const items = new Semaphore(0);
   * items.release(); // a consumer's acquire() now succeeds
   * ```
   */
  release(permits = 1): void {
    const n = this.#count('Semaphore.release', permits);
    for (;;) {
      const p = Atomics.load(this.#words, PERMITS);
      if (p > MAX_PERMITS - n) {
        throw new RangeError(`Semaphore.release: ${n} more permits would exceed ${MAX_PERMITS} (there are ${p}), received ${String(permits)}`);
      }
      // Release: publishes the holder's work to the next acquirer.
      if (Atomics.compareExchange(this.#words, PERMITS, p, p + n) === p) break;
    }
    // Wakes the queue head if it sleeps (see acquireSlow for the Dekker pairing).
    if (Atomics.load(this.#words, HEAD_WAITING) !== 0) futexNotify(this.#words, PERMITS);
  }

  #count(where: string, permits: unknown): number {
    if (typeof permits !== 'number') throw new TypeError(`${where}: permits must be an integer, received ${describeValue(permits)}`);
    return checkInteger(where, 'permits', permits, 1, MAX_PERMITS);
  }

  #permit(ok: boolean, n: number, where: string, timeout: number): SemaphorePermit {
    if (!ok) throw new TimeoutError(`${where}: ${n} permit(s) not free within ${timeout} ms`, timeout);
    return new SemaphorePermit(n, this.#giveBack);
  }

  static {
    registerShareable<Semaphore, SharedSemaphore>({
      name: 'weft.Semaphore',
      type: Semaphore,
      encode: (s) => ({ buffer: s.#words.buffer as SharedArrayBuffer, deadThreads: deadThreadsBuffer() }),
      decode: (state) => {
        adoptDeadThreads(state.deadThreads);
        reviving = state.buffer;
        return new Semaphore(0);
      },
    });
  }
}
