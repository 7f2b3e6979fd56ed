/**
 * The iterator `parallelStream` returns: it reads the source into batches,
 * runs them on workers, and hands back results, never holding more than the
 * high-water mark of items read but not yet consumed. See `README.md` for
 * the invariants.
 *
 * @module
 */
import { describeThrown } from '../codec/error-codec.js';
import { AbortError, TaskError } from '../errors.js';
import type { WorkerPool } from '../backend/worker-pool.js';
import { describeValue } from '../validate.js';
import type { FunctionRef } from '../protocol.js';
import { BatchPlan } from './batch-plan.js';
import { runBatch, type BatchEnv, type BatchItem, type BatchResult } from './run-batch.js';

/**
 * The iterator of {@link parallelStream}: an `AsyncIterableIterator` of the
 * results, with `return()` to stop early (what `break` in `for await` calls).
 *
 * @typeParam R - the result type.
 *
 * @example
 * ```ts
 * import { parallelStream, type ParallelStream } from 'weftjs';
 *
 * const stream: ParallelStream<number> = parallelStream([1, 2, 3], (x) => x * 10);
 * console.log(await stream.next()); // { value: 10, done: false }
 * await stream.return(); // stops reading and settles once no worker is busy with it
 * ```
 */
export interface ParallelStream<R> extends AsyncIterableIterator<R> {
  /** The next result, or `{ done: true }` at the end; rejects with the error that ended the stream. */
  next(): Promise<IteratorResult<R, undefined>>;
  /** Stop: read nothing more, call the source's `return()`, and settle once in-flight work has stopped. */
  return(): Promise<IteratorResult<R, undefined>>;
  /** The stream itself, so that `for await` and `Readable.from` take it as an iterable. */
  [Symbol.asyncIterator](): ParallelStream<R>;
}

/** What the iterator is given, checked by `parallelStream` at the call. */
export interface StreamSetup {
  readonly where: string;
  readonly source: object;
  readonly ordered: boolean;
  readonly highWaterMark: number;
  readonly concurrency: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** The workers, and the function and context as they travel there (resolved at the first `next()`). */
  readonly workers: () => Promise<{ pool: WorkerPool; ref: FunctionRef; context: unknown }>;
}

interface Batch extends BatchItem {
  items: unknown[];
  values?: unknown[];
  failure?: Ending;
}

/** Why the stream ends: an error (`now`: reject at once, without waiting for in-flight work), or the end. */
type Ending = { readonly error: unknown; readonly now?: true } | 'done';

type SourceIterator = Iterator<unknown> | AsyncIterator<unknown>;

/** Batches are numbered up to this (the stop word is an Int32); later batches share the last number. */
const MAX_SEQ = 2 ** 31 - 2;
const NOTHING = Symbol('nothing');
const DONE: IteratorResult<never, undefined> = Object.freeze({ value: undefined, done: true });
const noop = (): void => undefined;

export class StreamIterator<R> implements ParallelStream<R> {
  private readonly where: string;
  private readonly ordered: boolean;
  private readonly highWaterMark: number;
  private readonly signal: AbortSignal | undefined;
  /** The stop word (see `BatchEnv`): batches numbered at or above it stop between steps. */
  private readonly stop = new Int32Array(new SharedArrayBuffer(4)).fill(MAX_SEQ + 1);
  private opened: Promise<void> | undefined;
  private pool: WorkerPool | undefined;
  private env: BatchEnv | undefined;
  private plan = new BatchPlan(1);
  private participants = 1;
  private maxInFlight = 1;
  private source: SourceIterator | undefined;
  private sourceAsync = false;
  /** The source finished, threw, or had its `return()` called: no `return()` is owed. */
  private sourceEnded = false;
  private sourceFailure: Ending | undefined;
  /** Items read from the source, and results handed out. `read - consumed` never exceeds the high-water mark. */
  private read = 0;
  private consumed = 0;
  private seq = 0;
  /** Items read, not yet in a batch; the first is item `pendingStart`. */
  private pending: unknown[] = [];
  private pendingStart = 0;
  /** Ordered: every dispatched batch not yet consumed, in source order. Unordered: finished batches, in completion order. */
  private readonly queue: Batch[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** The results being handed out, from `pos` on. */
  private current: unknown[] | undefined;
  private pos = 0;
  /** Unordered failures and aborts: the stream ends at the next `next()`. */
  private failure: Ending | undefined;
  /** No more reading nor dispatching (a failure or an abort). */
  private halted = false;
  /** `return()` was called, or the stream ended: cleanup has started. */
  private closed = false;
  /** The consumer has seen the end. */
  private finished = false;
  private reading = false;
  private readDone: Promise<void> = Promise.resolve();
  private cleaning: Promise<unknown> | undefined;
  private wake: (() => void) | undefined;
  /** Calls of `next()` not yet settled beyond the fast path; later calls wait for earlier ones. */
  private pulls = 0;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly setup: StreamSetup) {
    this.where = setup.where;
    this.ordered = setup.ordered;
    this.highWaterMark = setup.highWaterMark;
    this.signal = setup.signal;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<R, undefined>> {
    if (this.pulls === 0 && !this.finished) {
      const value = this.take();
      if (value !== NOTHING) return Promise.resolve({ value: value as R, done: false });
    }
    // Open the source at the first pull, before the workers start: a source that emits on its own
    // (readline's interface over a file) drops what arrives before its iterator exists, and starting
    // the workers takes event-loop turns. If opening throws, the read loop tries again and says so.
    if (this.source === undefined && !this.finished) {
      try {
        this.source = this.openSource();
      } catch {
        // Reported by readLoop, as "the source threw reading item 0".
      }
    }
    this.pulls++;
    const result = this.tail.then(() => this.pull());
    this.tail = result.catch(noop);
    return result;
  }

  async return(): Promise<IteratorResult<R, undefined>> {
    const wasOpen = !this.finished;
    this.finished = true;
    const returnError = await this.cleanup();
    if (wasOpen && returnError !== undefined) throw (returnError as { error: unknown }).error;
    return DONE;
  }

  private async pull(): Promise<IteratorResult<R, undefined>> {
    this.opened ??= this.open();
    try {
      for (;;) {
        if (this.finished) return DONE;
        const value = this.take();
        if (value !== NOTHING) return { value: value as R, done: false };
        const ending = this.ending();
        if (ending !== undefined) return await this.finish(ending);
        this.pump();
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      // Before the caller sees the result: its next call may take the fast path.
      this.pulls--;
    }
  }

  private wakeConsumer(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** The next result if one is ready, else `NOTHING`. */
  private take(): unknown {
    // A failure or an abort ends the stream at once, even with results ready.
    if (this.failure !== undefined || this.closed) return NOTHING;
    for (;;) {
      const current = this.current;
      if (current !== undefined) {
        if (this.pos < current.length) {
          const value = current[this.pos];
          current[this.pos++] = undefined;
          this.consumed++;
          // Read again once a whole batch fits under the mark: reads come in bursts that fill a batch at once.
          // (A consumer that finds nothing ready pumps regardless, in pull.)
          if (this.highWaterMark - (this.read - this.consumed) >= this.plan.size(this.seq)) this.pump();
          return value;
        }
        this.current = undefined;
      }
      const head = this.queue[0];
      if (head?.values === undefined) return NOTHING;
      this.queue.shift();
      this.current = head.values;
      this.pos = 0;
    }
  }

  /** How the stream ends now that no result is ready, or undefined while more may come. */
  private ending(): Ending | undefined {
    if (this.closed) return 'done';
    if (this.failure !== undefined) return this.failure;
    const head = this.queue[0];
    if (head !== undefined) return head.failure;
    if (this.inFlight.size > 0 || this.pending.length > 0 || this.reading || !this.sourceEnded) return undefined;
    return this.sourceFailure ?? 'done';
  }

  private async finish(ending: Ending): Promise<IteratorResult<R, undefined>> {
    this.finished = true;
    if (ending === 'done') {
      await this.cleanup();
      return DONE;
    }
    // An abort rejects at once; other failures once in-flight work has stopped and the source was told.
    const cleaned = this.cleanup();
    if (!ending.now) await cleaned;
    throw ending.error;
  }

  /** Resolve the workers, then start reading. A failure here ends the stream. */
  private async open(): Promise<void> {
    const signal = this.signal;
    try {
      if (signal?.aborted) throw new AbortError(`${this.where}: aborted before it started`, signal.reason);
      const { pool, ref, context } = await this.setup.workers();
      this.pool = pool;
      this.participants = Math.max(1, Math.min(this.setup.concurrency ?? pool.size, pool.size));
      // Below the pool's size, no batch waits queued (an idle worker would run it, past `concurrency`).
      this.maxInFlight = this.participants < pool.size ? this.participants : 2 * this.participants;
      this.plan = new BatchPlan(Math.max(1, Math.floor(this.highWaterMark / (this.maxInFlight + 1))));
      this.env = { ref, context, stop: this.stop };
      if (signal) {
        signal.addEventListener('abort', this.onAbort, { once: true });
        if (signal.aborted) this.onAbort();
      }
    } catch (error) {
      this.failure ??= { error };
    }
    this.pump();
    this.wakeConsumer();
  }

  private readonly onAbort = (): void => {
    this.failure ??= { error: new AbortError(`${this.where}: aborted`, this.signal?.reason), now: true };
    this.halt(0);
    this.wakeConsumer();
  };

  /** Read nothing more, and stop batches numbered `from` and above (the stop word is only lowered). */
  private halt(from: number): void {
    this.halted = true;
    if (Atomics.load(this.stop, 0) > from) Atomics.store(this.stop, 0, from);
  }

  /** Read from the source while the high-water mark and the batches in flight allow; dispatch when workers would idle. */
  private pump(): void {
    if (this.reading || this.env === undefined || this.closed || this.halted) return;
    if (this.sourceEnded) {
      this.flush();
    } else if (this.canRead()) {
      this.readDone = this.readLoop();
    } else if (this.inFlight.size < this.participants) {
      this.flush();
    }
  }

  private canRead(): boolean {
    return this.read - this.consumed < this.highWaterMark && (this.pending.length < this.plan.size(this.seq) || this.inFlight.size < this.maxInFlight);
  }

  private async readLoop(): Promise<void> {
    this.reading = true;
    try {
      while (!this.closed && !this.halted && this.canRead()) {
        let step: IteratorResult<unknown>;
        try {
          this.source ??= this.openSource();
          step = this.sourceAsync ? await this.source.next() : (this.source.next() as IteratorResult<unknown>);
          if (typeof step !== 'object' || step === null) throw new TypeError(`the source's next() gave ${describeValue(step)}, not an iterator result`);
        } catch (error) {
          this.sourceEnded = true;
          const at = this.read;
          this.sourceFailure = { error: new TaskError(`${this.where}: the source threw reading item ${at}: ${describeThrown(error)}`, error, at) };
          // Unordered, the first failure ends the stream; ordered, the items read before it come first.
          if (!this.ordered) {
            this.failure ??= this.sourceFailure;
            this.halt(0);
          }
          break;
        }
        if (step.done) {
          this.sourceEnded = true;
          break;
        }
        if (this.closed || this.halted) break;
        if (this.pending.length === 0) this.pendingStart = this.read;
        this.pending.push(step.value);
        this.read++;
        if (this.pending.length >= this.plan.size(this.seq) || this.inFlight.size < this.participants) this.flush();
      }
    } finally {
      this.reading = false;
    }
    if (this.sourceEnded || this.inFlight.size < this.participants) this.flush();
    this.wakeConsumer();
  }

  private openSource(): SourceIterator {
    const source = this.setup.source as Partial<AsyncIterable<unknown> & Iterable<unknown>>;
    this.sourceAsync = typeof source[Symbol.asyncIterator] === 'function';
    return this.sourceAsync ? source[Symbol.asyncIterator]!() : source[Symbol.iterator]!();
  }

  /** Send the pending items as one batch, unless as many batches as may be are in flight. */
  private flush(): void {
    if (this.pending.length === 0 || this.halted || this.closed || this.inFlight.size >= this.maxInFlight) return;
    const batch: Batch = { items: this.pending, start: this.pendingStart, seq: Math.min(this.seq++, MAX_SEQ), step: this.plan.step() };
    this.pending = [];
    if (this.ordered) this.queue.push(batch);
    const running: Promise<void> = runBatch(this.where, this.pool!, batch, this.env!).then(
      (result) => this.settle(running, batch, result, undefined),
      (error: unknown) => this.settle(running, batch, undefined, error),
    );
    this.inFlight.add(running);
  }

  private settle(running: Promise<void>, batch: Batch, result: BatchResult | undefined, error: unknown): void {
    this.inFlight.delete(running);
    if (result !== undefined) {
      this.plan.record(result.values.length, result.ms);
      batch.values = result.values;
      if (!this.ordered) this.queue.push(batch);
    } else {
      batch.failure = { error };
      // Ordered, batches before this one still run and are handed out first; unordered, the failure ends the stream.
      if (this.ordered) this.halt(batch.seq + 1);
      else {
        this.failure ??= batch.failure;
        this.halt(0);
      }
    }
    batch.items = [];
    this.pump();
    this.wakeConsumer();
  }

  /**
   * Stop everything, once: no more reads, batches stop between steps, the
   * source's `return()` is called (unless it ended), and in-flight batches
   * settle. Resolves with `{ error }` when the source's `return()` threw.
   */
  private cleanup(): Promise<unknown> {
    this.cleaning ??= (async () => {
      this.closed = true;
      this.halt(0);
      this.signal?.removeEventListener('abort', this.onAbort);
      this.wakeConsumer();
      await this.readDone;
      let returnError: unknown;
      const source = this.source;
      if (source !== undefined && !this.sourceEnded) {
        this.sourceEnded = true;
        try {
          await source.return?.();
        } catch (error) {
          returnError = { error };
        }
      }
      await Promise.all(this.inFlight);
      return returnError;
    })();
    return this.cleaning;
  }
}
