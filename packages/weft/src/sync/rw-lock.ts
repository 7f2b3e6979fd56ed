/**
 * `RwLock`: many readers or one writer, across threads. Protocol:
 * `sync/README.md`.
 *
 * @module
 */
import { LockOwnershipError, PoisonError, TimeoutError } from '../errors.js';
import { decodeShareables, encodeShareables, registerShareable } from '../memory/shareable.js';
import { describeValue } from '../validate.js';
import { adoptDeadThreads, deadThreadsBuffer, isThreadDead } from './dead-threads.js';
import { SLICE_MS, assertCanBlock, deadlineOf, futexWait, remaining, runAsync, runBlocking, timeoutOf, type FutexSteps, futexNotify } from './futex.js';
import type { LockOptions } from './mutex.js';
import { RwLockGuard } from './rw-lock-guard.js';
import { THREAD_ID_MASK, currentThreadId } from './thread-id.js';
import { QUEUE_WORDS, awaitTurn, enqueue, initQueue, pass } from './wait-queue.js';

/**
 * STATE: bits 0-27 the writer's thread id (WRITER set) or the reader count;
 * bit 28 WRITER; bit 29 BLOCKED (a queue head waits: newcomers queue);
 * bit 30 POISONED; bit 31 PARKED (the head sleeps on STATE).
 */
const STATE = 0;
const POISONER = 2;
const LOW = THREAD_ID_MASK;
const WRITER = 1 << 28;
const BLOCKED = 1 << 29;
const POISONED = 1 << 30;
const PARKED = 1 << 31;
/** Thread ids of current readers, so that a dead reader's hold can be dropped. */
const READERS = 4;
const READER_SLOTS = 32;
const QUEUE_BASE = 48;
const WORDS = QUEUE_BASE + QUEUE_WORDS;
/** Fast paths fail over to the slow path when any of these is set. */
const READ_BLOCKERS = WRITER | BLOCKED | POISONED | PARKED;

const TIMED_OUT = -1;
const NO_SLOT = -1;

let reviving: SharedArrayBuffer | undefined;

interface SharedRwLock {
  readonly buffer: SharedArrayBuffer;
  readonly value: unknown;
  readonly deadThreads: SharedArrayBuffer;
}

/** Record a reader (best effort: with every slot taken, the hold is counted but not tracked). */
function trackReader(words: Int32Array, me: number): number {
  const start = me & (READER_SLOTS - 1);
  for (let i = 0; i < READER_SLOTS; i++) {
    const slot = READERS + ((start + i) & (READER_SLOTS - 1));
    if (Atomics.compareExchange(words, slot, 0, me) === 0) return slot;
  }
  return NO_SLOT;
}

/** Release a hold on behalf of dead threads: a dead writer poisons; dead readers are dropped. True when it changed anything. */
function reapDead(words: Int32Array, s: number): boolean {
  if ((s & WRITER) !== 0) {
    const owner = s & LOW;
    if (!isThreadDead(owner)) return false;
    // Releases the dead writer's hold and poisons; keeps BLOCKED for the head. One reaper wins.
    if (Atomics.compareExchange(words, STATE, s, (s & BLOCKED) | POISONED) === s) {
      Atomics.store(words, POISONER, owner);
      if ((s & PARKED) !== 0) futexNotify(words, STATE);
    }
    return true;
  }
  let reaped = false;
  for (let i = 0; i < READER_SLOTS; i++) {
    const id = Atomics.load(words, READERS + i);
    // Clearing the slot decides who drops that hold: exactly one reaper succeeds.
    if (id !== 0 && isThreadDead(id) && Atomics.compareExchange(words, READERS + i, id, 0) === id) {
      Atomics.sub(words, STATE, 1);
      reaped = true;
    }
  }
  return reaped;
}

function* acquireSlow(words: Int32Array, write: boolean, me: number, deadline: number, spin: number): FutexSteps<number> {
  let ticket: number | undefined;
  for (;;) {
    ticket = yield* enqueue(words, QUEUE_BASE, me, deadline);
    if (ticket === undefined) return TIMED_OUT;
    const turn = yield* awaitTurn(words, QUEUE_BASE, ticket, deadline);
    if (turn === 'head') break;
    if (turn === 'timeout') return TIMED_OUT;
  }
  for (let spins = 0; ; ) {
    const s = Atomics.load(words, STATE);
    const free = write ? (s & (WRITER | LOW)) === 0 : (s & WRITER) === 0 && (s & LOW) < LOW;
    if (free) {
      // The head's own BLOCKED/PARKED go; the next head sets them again.
      const kept = s & ~(BLOCKED | PARKED);
      const next = write ? (kept & POISONED) | WRITER | me : kept + 1;
      // Acquire: orders this hold after the previous writer's release.
      if (Atomics.compareExchange(words, STATE, s, next) === s) {
        pass(words, QUEUE_BASE, ticket);
        return next;
      }
      continue;
    }
    if ((s & BLOCKED) === 0) {
      // Newcomers now queue behind this head, so a writer is not starved by a stream of readers.
      Atomics.compareExchange(words, STATE, s, s | BLOCKED);
      continue;
    }
    if (spins++ < spin) continue;
    const left = remaining(deadline);
    if (left <= 0) {
      Atomics.and(words, STATE, ~(BLOCKED | PARKED));
      pass(words, QUEUE_BASE, ticket);
      return TIMED_OUT;
    }
    if (reapDead(words, s)) continue;
    if ((s & PARKED) === 0) {
      Atomics.compareExchange(words, STATE, s, s | PARKED);
      continue;
    }
    // Woken by a release that may let the head in (notify on STATE).
    yield futexWait(words, STATE, s, Math.min(SLICE_MS, left));
  }
}

/**
 * A readers-writer lock shared by the main thread and workers: any number
 * of readers at once, or one writer. Waiters are served in FIFO order, and
 * a waiting writer stops new readers from cutting in, so writers are not
 * starved. Like {@link Mutex}, it can guard a value and be passed to tasks.
 *
 * A writer that dies while holding it poisons it ({@link PoisonError}); a
 * reader that dies only gives its hold back (it cannot have left the data
 * half-written).
 *
 * @typeParam T - the type of the guarded value.
 *
 * @example
 * ```ts
 * import { RwLock, parallelMap } from 'weftjs';
 * const config = new RwLock(new Int32Array(new SharedArrayBuffer(4)));
 * {
 *   using w = await config.write();
 *   w.value[0] = 42;
 * }
 * const seen = await parallelMap([1, 2], (_x, _i, ctx) => {
 *   const r = ctx.config.readSync();
 *   try {
 *     return r.value[0];
 *   } finally {
 *     r.unlock();
 *   }
 * }, { context: { config } }); // [42, 42]
 * ```
 */
export class RwLock<T = undefined> {
  readonly #words: Int32Array;
  readonly #value: T;

  /** @param value - what the lock guards (optional), reachable as `guard.value`. */
  constructor(value?: T) {
    const adopted = reviving;
    reviving = undefined;
    if (adopted) {
      this.#words = new Int32Array(adopted);
    } else {
      this.#words = new Int32Array(new SharedArrayBuffer(WORDS * 4));
      initQueue(this.#words, QUEUE_BASE);
    }
    this.#value = value as T;
  }

  /**
   * Lock for reading (shared), waiting without blocking the thread.
   *
   * @throws PoisonError (rejection) when a writer died holding it and `ignorePoison` is not set.
   * @throws TimeoutError (rejection) when `timeout` passes first.
   *
   * @example
   * ```ts
   * import { RwLock } from 'weftjs';
   * const l = new RwLock();
   * using a = await l.read();
   * using b = await l.read(); // readers share
   * ```
   */
  read(options?: LockOptions): Promise<RwLockGuard<T>> {
    if (options === undefined) {
      const fast = this.#tryReadFast();
      if (fast) return Promise.resolve(fast);
    }
    return this.#lockAsync(false, 'RwLock.read', options);
  }

  /**
   * Lock for writing (exclusive), waiting without blocking the thread.
   *
   * @throws PoisonError (rejection) when a writer died holding it and `ignorePoison` is not set.
   * @throws TimeoutError (rejection) when `timeout` passes first.
   *
   * @example
   * ```ts
   * import { RwLock } from 'weftjs';
   * const l = new RwLock(new Int32Array(new SharedArrayBuffer(4)));
   * using w = await l.write({ timeout: 1000 });
   * w.value[0] = 1;
   * ```
   */
  write(options?: LockOptions): Promise<RwLockGuard<T>> {
    if (options === undefined) {
      const fast = this.#tryWriteFast();
      if (fast) return Promise.resolve(fast);
    }
    return this.#lockAsync(true, 'RwLock.write', options);
  }

  /**
   * The blocking form of {@link RwLock.read}, for workers (and Node's main
   * thread); throws a `TypeError` where the thread may not block.
   *
   * @example
   * ```ts
   * import { RwLock } from 'weftjs';
   * const l = new RwLock();
   * const r = l.readSync();
   * r.unlock();
   * ```
   */
  readSync(options?: LockOptions): RwLockGuard<T> {
    if (options === undefined) {
      const fast = this.#tryReadFast();
      if (fast) return fast;
    }
    return this.#lockBlocking(false, 'RwLock.readSync', options);
  }

  /**
   * The blocking form of {@link RwLock.write}, for workers (and Node's main
   * thread); throws a `TypeError` where the thread may not block.
   *
   * @throws LockOwnershipError when this thread already holds the write lock (it would deadlock).
   *
   * @example
   * ```ts
   * import { RwLock } from 'weftjs';
   * const l = new RwLock();
   * const w = l.writeSync();
   * w.unlock();
   * ```
   */
  writeSync(options?: LockOptions): RwLockGuard<T> {
    if (options === undefined) {
      const fast = this.#tryWriteFast();
      if (fast) return fast;
    }
    return this.#lockBlocking(true, 'RwLock.writeSync', options);
  }

  /**
   * Lock for reading if that is possible now; never waits.
   *
   * @returns the guard, or `null`.
   * @throws PoisonError when a writer died holding it.
   *
   * @example
   * ```ts
   * import { RwLock } from 'weftjs';
   * const l = new RwLock();
   * console.log(l.tryRead()?.mode); // 'read'
   * ```
   */
  tryRead(): RwLockGuard<T> | null {
    this.#throwIfPoisoned('RwLock.tryRead');
    return this.#tryReadFast();
  }

  /**
   * Lock for writing if the lock is free now; never waits.
   *
   * @returns the guard, or `null`.
   * @throws PoisonError when a writer died holding it.
   *
   * @example
   * ```ts
   * import { RwLock } from 'weftjs';
   * const l = new RwLock();
   * const w = l.tryWrite();
   * console.log(w?.mode, l.tryRead()); // 'write' null
   * ```
   */
  tryWrite(): RwLockGuard<T> | null {
    this.#throwIfPoisoned('RwLock.tryWrite');
    return this.#tryWriteFast();
  }

  /** Whether a writer died while holding this lock (and `clearPoison()` was not called since). */
  get isPoisoned(): boolean {
    return (Atomics.load(this.#words, STATE) & POISONED) !== 0;
  }

  /**
   * Mark the lock healthy again after repairing what a dead writer left.
   *
   * @example
   * ```ts
   * import { RwLock } from 'weftjs';
   * const l = new RwLock();
   * if (l.isPoisoned) {
   *   using w = await l.write({ ignorePoison: true });
   *   l.clearPoison();
   * }
   * ```
   */
  clearPoison(): void {
    Atomics.and(this.#words, STATE, ~POISONED);
  }

  #throwIfPoisoned(where: string): void {
    if (this.isPoisoned) throw this.#poisonError(where);
  }

  #poisonError(where: string): PoisonError {
    const poisoner = Atomics.load(this.#words, POISONER);
    return new PoisonError(
      `${where}: the lock is poisoned: thread ${poisoner} died while writing; lock with { ignorePoison: true } to repair the data, then call clearPoison()`,
      poisoner,
    );
  }

  #tryReadFast(): RwLockGuard<T> | null {
    const words = this.#words;
    for (;;) {
      const s = Atomics.load(words, STATE);
      if ((s & READ_BLOCKERS) !== 0 || (s & LOW) === LOW) return null;
      // Acquire (shared): orders the read after the last writer's release.
      if (Atomics.compareExchange(words, STATE, s, s + 1) === s) return this.#readGuard();
    }
  }

  #tryWriteFast(): RwLockGuard<T> | null {
    const me = currentThreadId();
    // Acquire (exclusive): orders the write after every earlier release.
    if (Atomics.compareExchange(this.#words, STATE, 0, WRITER | me) !== 0) return null;
    return this.#writeGuard(me);
  }

  #readGuard(): RwLockGuard<T> {
    const words = this.#words;
    const slot = trackReader(words, currentThreadId());
    return new RwLockGuard<T>('read', this.#value, () => {
      if (slot !== NO_SLOT) Atomics.store(words, slot, 0);
      for (;;) {
        const s = Atomics.load(words, STATE);
        const last = (s & LOW) === 1;
        // Release (shared); the last reader wakes a parked head (a writer waits for zero readers).
        const next = last ? (s - 1) & ~PARKED : s - 1;
        if (Atomics.compareExchange(words, STATE, s, next) === s) {
          if (last && (s & PARKED) !== 0) futexNotify(words, STATE);
          return;
        }
      }
    });
  }

  #writeGuard(me: number): RwLockGuard<T> {
    const words = this.#words;
    return new RwLockGuard<T>('write', this.#value, () => {
      // Fast release: publishes the writes; nobody to wake.
      if (Atomics.compareExchange(words, STATE, WRITER | me, 0) === (WRITER | me)) return;
      for (;;) {
        const s = Atomics.load(words, STATE);
        if ((s & WRITER) === 0 || (s & LOW) !== me) throw new LockOwnershipError('RwLock: cannot unlock a write lock this thread does not hold');
        // Release: keeps POISONED and BLOCKED (the head's), wakes a parked head.
        if (Atomics.compareExchange(words, STATE, s, s & (POISONED | BLOCKED)) === s) {
          if ((s & PARKED) !== 0) futexNotify(words, STATE);
          return;
        }
      }
    });
  }

  #finish(state: number, write: boolean, where: string, ignorePoison: boolean, timeout: number): RwLockGuard<T> {
    if (state === TIMED_OUT) throw new TimeoutError(`${where}: could not lock within ${timeout} ms`, timeout);
    const guard = write ? this.#writeGuard(currentThreadId()) : this.#readGuard();
    if ((state & POISONED) !== 0 && !ignorePoison) {
      guard.unlock();
      throw this.#poisonError(where);
    }
    return guard;
  }

  #options(where: string, options: LockOptions | undefined): { timeout: number; ignorePoison: boolean } {
    const timeout = timeoutOf(where, options);
    const ignorePoison = options?.ignorePoison ?? false;
    if (typeof ignorePoison !== 'boolean') throw new TypeError(`${where}: ignorePoison must be a boolean, received ${describeValue(ignorePoison)}`);
    return { timeout, ignorePoison };
  }

  #lockAsync(write: boolean, where: string, options: LockOptions | undefined): Promise<RwLockGuard<T>> {
    try {
      const { timeout, ignorePoison } = this.#options(where, options);
      const steps = acquireSlow(this.#words, write, currentThreadId(), deadlineOf(timeout), 0);
      return runAsync(steps).then((state) => this.#finish(state, write, where, ignorePoison, timeout));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  #lockBlocking(write: boolean, where: string, options: LockOptions | undefined): RwLockGuard<T> {
    const { timeout, ignorePoison } = this.#options(where, options);
    assertCanBlock(where);
    const me = currentThreadId();
    const s = Atomics.load(this.#words, STATE);
    if ((s & WRITER) !== 0 && (s & LOW) === me) {
      throw new LockOwnershipError(`${where}: this thread already holds the write lock; locking it again would deadlock`);
    }
    return this.#finish(runBlocking(acquireSlow(this.#words, write, me, deadlineOf(timeout), 100)), write, where, ignorePoison, timeout);
  }

  static {
    registerShareable<RwLock<unknown>, SharedRwLock>({
      name: 'weft.RwLock',
      type: RwLock,
      encode: (l) => ({ buffer: l.#words.buffer as SharedArrayBuffer, value: encodeShareables(l.#value), deadThreads: deadThreadsBuffer() }),
      decode: (state) => {
        adoptDeadThreads(state.deadThreads);
        const value = decodeShareables(state.value);
        reviving = state.buffer;
        return new RwLock(value);
      },
    });
  }
}
