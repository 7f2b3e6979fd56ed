/**
 * The waiting layer every primitive shares: one description of a protocol's
 * slow path, run by a blocking driver (`Atomics.wait`, where the thread may
 * block) or an async driver (`Atomics.waitAsync`, never blocking the event
 * loop).
 *
 * A slow path is a generator: it reads and writes its words with Atomics and
 * yields a {@link FutexWait} when it needs to sleep until a word changes. The
 * driver sleeps and resumes it with the outcome. So each protocol is written
 * once, and a native backend could supply other drivers.
 *
 * @module
 */
import { describeValue } from '../validate.js';
import { threadApi } from '../engine/thread-api.js';

/** A request to sleep while `array[index] === value`, at most `timeout` ms. */
export interface FutexWait {
  readonly array: Int32Array;
  readonly index: number;
  readonly value: number;
  readonly timeout: number;
}

/** What a wait ended with, as `Atomics.wait` reports it. */
export type FutexOutcome = 'ok' | 'not-equal' | 'timed-out';

/** A protocol's slow path: yields waits, returns its result. */
export type FutexSteps<T> = Generator<FutexWait, T, FutexOutcome>;

/**
 * Longest sleep between checks for a dead lock owner or queue head (ms). A
 * waiter whose lock's owner died notices within about this long.
 */
export const SLICE_MS = 50;

/** A wait request (slow path only, so the allocation does not matter). */
export function futexWait(array: Int32Array, index: number, value: number, timeout: number): FutexWait {
  return { array, index, value, timeout };
}

/** Milliseconds left before `deadline` (a `performance.now()` time; `Infinity` for none). */
export function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : deadline - performance.now();
}

/** The deadline of a timeout in ms from now (`Infinity` stays `Infinity`). */
export function deadlineOf(timeout: number): number {
  return timeout === Infinity ? Infinity : performance.now() + timeout;
}

let blockingAllowed: boolean | undefined;
let mainMayBlock: boolean | undefined;

/**
 * The parking words of shared-heap threads: `{ seq }` objects waited on with
 * the Thread API's property `Atomics.wait` (which lets other threads run).
 * A typed-array word parks on the bucket its index selects; a notify bumps
 * that bucket's `seq` and wakes every thread parked on it, which re-check
 * their own words (so a word that shares a bucket costs a spurious wake-up,
 * never a lost one). Created on the main thread before any thread parks.
 */
let parks: { seq: number }[] | undefined;

/** Buckets of the park (a power of two). */
const PARK_BUCKETS = 64;

/** The park, made on first use. */
function park(): { seq: number }[] {
  return (parks ??= Array.from({ length: PARK_BUCKETS }, () => ({ seq: 0 })));
}

/** Set up parking for shared-heap threads (the native backend calls this on the main thread, before it spawns). */
export function enableThreadParking(): void {
  if (threadApi()) park();
}

/** The park bucket of `array[index]` (making the park if a thread parks before the backend set it up). */
function bucketOf(index: number): { seq: number } {
  return park()[index & (PARK_BUCKETS - 1)]!;
}

/** The Thread API's Atomics on object properties (same functions, other signatures). */
const PropertyAtomics = Atomics as unknown as {
  load(object: object, key: string): number;
  add(object: object, key: string, value: number): number;
  wait(object: object, key: string, value: number, timeout: number): string;
  notify(object: object, key: string): number;
};

/** A thread parked on a word re-checks it at least this often (ms): a notify from a worker cannot reach the park. */
const PARK_SLICE_MS = 20;

function wakeBucket(bucket: { seq: number }): void {
  PropertyAtomics.add(bucket, 'seq', 1);
  PropertyAtomics.notify(bucket, 'seq');
}

/**
 * Wake waiters of `array[index]`: `Atomics.notify`, plus the shared-heap
 * threads parked on its bucket. Returns the number of typed-array waiters
 * woken (parked threads are not counted).
 */
export function futexNotify(array: Int32Array, index: number, count = Infinity): number {
  const woken = Atomics.notify(array, index, count);
  if (parks !== undefined) wakeBucket(parks[index & (PARK_BUCKETS - 1)]!);
  return woken;
}

/**
 * Park this shared-heap thread until `done()` holds, at most `timeout` ms;
 * returns whether it held. `done` is re-checked after every notify of the
 * bucket of word `index` (see {@link futexNotify}, {@link wakeParkedThreads})
 * and at least every `slice` ms. Pass `slice: Infinity` only when every
 * change to what `done` reads is announced through the park: a thread parked
 * with no time-out does not keep the process alive, so idle threads must
 * sleep that way.
 */
export function parkUntil(done: () => boolean, timeout: number, index: number, slice = PARK_SLICE_MS): boolean {
  const bucket = bucketOf(index);
  const deadline = deadlineOf(timeout);
  for (;;) {
    // Read the bucket's seq before `done()`: a notify after this read changes seq, so the wait returns.
    const seq = PropertyAtomics.load(bucket, 'seq');
    if (done()) return true;
    const left = remaining(deadline);
    if (left <= 0) return false;
    PropertyAtomics.wait(bucket, 'seq', seq, Math.min(left, slice));
  }
}

/** Wake every parked shared-heap thread so it re-checks what it waits for (after a rare change: a message, a close). */
export function wakeParkedThreads(): void {
  if (parks === undefined) return;
  for (const bucket of parks) wakeBucket(bucket);
}

/** `Atomics.wait` for a shared-heap thread: park until the word differs, or time out. */
function parkWait(array: Int32Array, index: number, value: number, timeout: number): FutexOutcome {
  if (Atomics.load(array, index) !== value) return 'not-equal';
  return parkUntil(() => Atomics.load(array, index) !== value, timeout, index) ? 'ok' : 'timed-out';
}

/**
 * Block this thread while `array[index] === value`, at most `timeout` ms:
 * `Atomics.wait`, or the park on shared-heap threads.
 */
export function blockingWait(array: Int32Array, index: number, value: number, timeout: number): FutexOutcome {
  if (threadApi()) return parkWait(array, index, value, timeout);
  return Atomics.wait(array, index, value, timeout);
}

/**
 * Whether this thread may block: true in workers, on Node's main thread and
 * on shared-heap threads; false on a browser's main thread, or a main thread
 * the engine does not let block (where it throws). Probed once per kind of
 * thread, with a wait that cannot block (the value differs).
 */
export function canBlock(): boolean {
  const threads = threadApi();
  if (threads) {
    // Module state is shared by every thread here, so the answer is kept per kind of thread.
    if (threads.Thread.current.id !== 0) return true;
    if (mainMayBlock === undefined) {
      try {
        PropertyAtomics.wait({ probe: 0 }, 'probe', 1, 0);
        mainMayBlock = true;
      } catch {
        mainMayBlock = false;
      }
    }
    return mainMayBlock;
  }
  if (blockingAllowed === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blockingAllowed = true;
    } catch {
      blockingAllowed = false;
    }
  }
  return blockingAllowed;
}

/** Throws a `TypeError` naming `where` when this thread may not block. */
export function assertCanBlock(where: string): void {
  if (!canBlock()) {
    throw new TypeError(
      `${where}: this thread may not block (Atomics.wait is not allowed here, as on a browser's main thread); use the async form instead`,
    );
  }
}

/** Run a slow path to the end, blocking the thread ({@link blockingWait}). */
export function runBlocking<T>(steps: FutexSteps<T>): T {
  let step = steps.next();
  while (!step.done) {
    const w = step.value;
    step = steps.next(blockingWait(w.array, w.index, w.value, w.timeout));
  }
  return step.value;
}

type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) =>
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };

const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

/** Where `Atomics.waitAsync` is missing: poll the word every few ms (correct, slower). */
function pollChange(w: FutexWait): Promise<FutexOutcome> {
  const start = performance.now();
  return new Promise((resolve) => {
    const check = (): void => {
      if (Atomics.load(w.array, w.index) !== w.value) resolve('ok');
      else if (performance.now() - start >= w.timeout) resolve('timed-out');
      else setTimeout(check, Math.min(4, Math.max(0, w.timeout - (performance.now() - start))));
    };
    check();
  });
}

/**
 * Run a slow path to the end without blocking: each wait is an
 * `Atomics.waitAsync`. A pending `waitAsync` does not keep Node's event loop
 * alive, so a timer does while the slow path runs: an awaited lock keeps the
 * process alive like any other pending operation.
 */
export async function runAsync<T>(steps: FutexSteps<T>): Promise<T> {
  let step = steps.next();
  if (step.done) return step.value;
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    while (!step.done) {
      const w = step.value;
      let outcome: FutexOutcome;
      if (waitAsync) {
        const result = waitAsync(w.array, w.index, w.value, w.timeout);
        outcome = result.async ? await result.value : result.value;
      } else {
        outcome = Atomics.load(w.array, w.index) !== w.value ? 'not-equal' : await pollChange(w);
      }
      step = steps.next(outcome);
    }
    return step.value;
  } finally {
    clearInterval(keepAlive);
  }
}

/** Options accepted by every timed operation. */
export interface TimeoutOptions {
  /** Give up after this many milliseconds (default `Infinity`). 0 means "try once". */
  readonly timeout?: number;
}

/** Validate an options object's `timeout`; returns it (`Infinity` when absent). */
export function timeoutOf(where: string, options: unknown): number {
  if (options === undefined) return Infinity;
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${where}: options must be an object, received ${describeValue(options)}`);
  }
  const timeout = (options as TimeoutOptions).timeout;
  if (timeout === undefined) return Infinity;
  if (typeof timeout !== 'number') {
    throw new TypeError(`${where}: timeout must be a number of milliseconds, received ${describeValue(timeout)}`);
  }
  if (Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`${where}: timeout must be a non-negative number of milliseconds, received ${String(timeout)}`);
  }
  return timeout;
}
