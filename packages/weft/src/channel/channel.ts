/**
 * `Channel`: a multi-producer, multi-consumer queue in shared memory, usable
 * from the main thread and from every task. See `README.md` beside this
 * file for the protocol.
 *
 * @module
 */
import { addExtension } from 'msgpackr';
import { ChannelClosedError, TimeoutError } from '../errors.js';
import { registerShareable } from '../memory/shareable.js';
import { assertCanBlock, deadlineOf, runAsync, runBlocking, timeoutOf, type TimeoutOptions } from '../sync/futex.js';
import { checkInteger, describeValue } from '../validate.js';
import { findChannel, rememberChannel } from './channel-table.js';
import { ChannelRing } from './ring.js';
import { CLOSED, EMPTY, FULL } from './ring-layout.js';
import { caseInternals, type ReceiveCase, type SendCase } from './select-case.js';
import { TIMED_OUT, receiveSteps, sendSteps, trySendMessage } from './waits.js';
import { hasThreadApi } from '../engine/thread-api.js';

/** Options of `new Channel`. */
export interface ChannelOptions {
  /**
   * Bytes set aside for values too large to sit in a message slot (more than
   * 56 bytes encoded); also the largest value the channel accepts. Default
   * 256 KiB. Memory is committed as it is first used.
   */
  readonly bufferBytes?: number;
}

/**
 * What {@link Channel.tryReceive} found: a value, an empty channel, or a
 * closed and drained one.
 *
 * @typeParam T - the channel's value type.
 */
export type TryReceiveResult<T> =
  | {
      /** A value was taken. */
      readonly kind: 'received';
      /** The value. */
      readonly value: T;
    }
  | {
      /** Nothing is buffered now. */
      readonly kind: 'empty';
    }
  | {
      /** The channel is closed and drained. */
      readonly kind: 'closed';
    };

const UNBOUNDED_LIMIT = 65_536;
const MAX_CAPACITY = 1 << 22;
const DEFAULT_BUFFER_BYTES = 256 * 1024;
/** Blocking receivers and senders retry this many times before they sleep. */
const BLOCKING_SPIN = 200;
const EMPTY_RESULT = Object.freeze({ kind: 'empty' as const });
const CLOSED_RESULT = Object.freeze({ kind: 'closed' as const });

let reviving: SharedArrayBuffer | undefined;

/**
 * A channel: values sent by any thread are received by any thread, each
 * exactly once, in the order each sender sent them. Its buffer lives in
 * shared memory, so a channel passed to a task (as an argument, in
 * `context`, or inside a value sent through a channel the task already
 * knows) is the same channel there.
 *
 * - `new Channel(n)` buffers up to `n` values; senders wait while it is full.
 * - `new Channel(0)` is a rendezvous: a send completes when a receiver takes the value.
 * - `new Channel()` is unbounded in practice: it buffers up to
 *   {@link Channel.UNBOUNDED_LIMIT} values, then senders wait as for a bounded one.
 *
 * Values cross with structured-clone fidelity (objects, arrays, Map, Set,
 * Date, BigInt, typed arrays, errors, cycles). Functions and symbols are
 * refused at send with a `TypeError`; nothing is written then.
 *
 * Closing (idempotent) stops sends: they reject with a
 * {@link ChannelClosedError} carrying the value. Receivers drain what is
 * buffered, then `receive()` rejects with `ChannelClosedError` and
 * iteration ends. Close wakes every blocked sender and receiver.
 *
 * @typeParam T - the values the channel carries.
 *
 * @example
 * ```ts
 * import { Channel, parallelMap } from 'weftjs';
 * const jobs = new Channel<number>(64);
 * const consumers = parallelMap([0, 1], (_x, _i, ctx) => {
 *   let sum = 0;
 *   for (const job of ctx.jobs) sum += job; // blocks in the worker; ends on close
 *   return sum;
 * }, { context: { jobs }, inline: 'never', chunkSize: 1 });
 * for (let i = 1; i <= 100; i++) await jobs.send(i);
 * jobs.close();
 * const sums = await consumers; // together 5050
 * ```
 */
export class Channel<T> implements AsyncIterable<T>, Iterable<T> {
  /** How many values `new Channel()` buffers before senders wait. */
  static readonly UNBOUNDED_LIMIT: number = UNBOUNDED_LIMIT;

  readonly #ring: ChannelRing;

  /**
   * @param capacity - values buffered: an integer >= 0 (0: rendezvous);
   *   omitted: unbounded (up to {@link Channel.UNBOUNDED_LIMIT}).
   * @param options - see {@link ChannelOptions}.
   */
  constructor(capacity?: number, options?: ChannelOptions) {
    const adopted = reviving;
    reviving = undefined;
    if (adopted) {
      this.#ring = new ChannelRing(adopted);
    } else {
      const where = 'Cannot create a channel';
      if (capacity !== undefined && (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 0)) {
        const received = typeof capacity === 'number' ? String(capacity) : describeValue(capacity);
        throw new (typeof capacity === 'number' ? RangeError : TypeError)(`${where}: capacity must be a non-negative integer, received ${received}`);
      }
      if (capacity !== undefined) checkInteger(where, 'capacity', capacity, 0, MAX_CAPACITY);
      let bufferBytes = DEFAULT_BUFFER_BYTES;
      if (options !== undefined) {
        if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object, received ${describeValue(options)}`);
        if (options.bufferBytes !== undefined) bufferBytes = checkInteger(where, 'bufferBytes', options.bufferBytes, 64, 1 << 30);
      }
      this.#ring = new ChannelRing({
        slots: capacity === undefined ? UNBOUNDED_LIMIT : Math.max(capacity, 1),
        rendezvous: capacity === 0,
        blobBytes: bufferBytes,
        requested: capacity ?? -1,
      });
      // Where the engine shares one heap between threads, values pass by identity.
      if (hasThreadApi()) this.#ring.shareHeap();
    }
    rememberChannel(this.#ring.id, this as Channel<unknown>);
  }

  /**
   * The capacity the channel was made with: `0` for a rendezvous,
   * `Infinity` for an unbounded channel.
   *
   * @example
   * ```ts
   * import { Channel } from 'weftjs';
   * console.log(new Channel(8).capacity, new Channel().capacity); // 8 Infinity
   * ```
   */
  get capacity(): number {
    const requested = this.#ring.requested;
    return requested < 0 ? Infinity : requested;
  }

  /**
   * Values buffered right now (a snapshot; on a rendezvous channel, a value
   * a sender is offering).
   *
   * @example
   * ```ts
   * import { Channel } from 'weftjs';
   * const ch = new Channel<number>(4);
   * ch.trySend(1);
   * console.log(ch.size); // 1
   * ```
   */
  get size(): number {
    return this.#ring.size;
  }

  /**
   * Whether `close()` was called (by any thread).
   *
   * @example
   * ```ts
   * import { Channel } from 'weftjs';
   * const ch = new Channel();
   * ch.close();
   * console.log(ch.closed); // true
   * ```
   */
  get closed(): boolean {
    return this.#ring.closed;
  }

  /**
   * Send `value`, waiting (without blocking the thread) while the channel is
   * full; on a rendezvous channel, until a receiver takes it.
   *
   * @param options - `timeout` in ms: rejects with a {@link TimeoutError} (the value is not sent).
   * @throws TypeError (synchronously) when the value cannot be sent: a function or a symbol.
   * @throws RangeError (synchronously) when it is larger than the channel's `bufferBytes`.
   * @returns a promise that rejects with {@link ChannelClosedError} (carrying the value) when the channel is or gets closed.
   *
   * @example
   * ```ts
   * import { Channel } from 'weftjs';
   * const ch = new Channel<{ id: number }>(1);
   * await ch.send({ id: 1 });
   * await ch.send({ id: 2 }, { timeout: 10 }).catch((err) => console.log(err.name)); // 'TimeoutError'
   * ```
   */
  send(value: T, options?: TimeoutOptions): Promise<void> {
    const ring = this.#ring;
    const timeout = timeoutOf('Channel.send', options);
    const message = ring.sendNow(value, 'Channel.send');
    if (message === CLOSED) return Promise.reject(closedOnSend('Channel.send', value));
    if (typeof message === 'number') return Promise.resolve();
    return runAsync(sendSteps(ring, message, deadlineOf(timeout), 0)).then((outcome) => {
      if (outcome === CLOSED) throw closedOnSend('Channel.send', value);
      if (outcome === TIMED_OUT) throw new TimeoutError(`Channel.send: no room within ${timeout} ms; the value was not sent`, timeout);
    });
  }

  /**
   * Send `value` if there is room now (on a rendezvous channel: if a
   * receiver is waiting); never waits.
   *
   * @returns true when sent, false when full.
   * @throws ChannelClosedError (carrying the value) when the channel is closed.
   *
   * @example
   * ```ts
   * import { Channel } from 'weftjs';
   * const ch = new Channel<number>(1);
   * console.log(ch.trySend(1), ch.trySend(2)); // true false
   * ```
   */
  trySend(value: T): boolean {
    const ring = this.#ring;
    const message = ring.sendNow(value, 'Channel.trySend');
    // A message came back when there was no slot now, or it needs more than a slot (blob cells, a waiting receiver).
    const pushed = typeof message === 'object' ? trySendMessage(ring, message) : message;
    if (pushed === CLOSED) throw closedOnSend('Channel.trySend', value);
    return pushed !== FULL;
  }

  /**
   * The blocking form of {@link Channel.send}, for workers (and Node's main
   * thread); throws a `TypeError` where the thread may not block.
   *
   * @throws ChannelClosedError (carrying the value) when the channel is or gets closed.
   * @throws TimeoutError when `timeout` passes first.
   *
   * @example
   * ```ts
   * import { Channel, parallelMap } from 'weftjs';
   * const out = new Channel<number>(16);
   * await parallelMap([1, 2, 3], (x, _i, ctx) => ctx.out.sendSync(x * 10), { context: { out } });
   * console.log(out.size); // 3
   * ```
   */
  sendSync(value: T, options?: TimeoutOptions): void {
    const ring = this.#ring;
    const timeout = timeoutOf('Channel.sendSync', options);
    const message = ring.sendNow(value, 'Channel.sendSync');
    if (message === CLOSED) throw closedOnSend('Channel.sendSync', value);
    if (typeof message === 'number') return;
    assertCanBlock('Channel.sendSync');
    const outcome = runBlocking(sendSteps(ring, message, deadlineOf(timeout), BLOCKING_SPIN));
    if (outcome === CLOSED) throw closedOnSend('Channel.sendSync', value);
    if (outcome === TIMED_OUT) throw new TimeoutError(`Channel.sendSync: no room within ${timeout} ms; the value was not sent`, timeout);
  }

  /**
   * Receive the next value, waiting (without blocking the thread) while the
   * channel is empty.
   *
   * @param options - `timeout` in ms: rejects with a {@link TimeoutError}.
   * @returns a promise that rejects with {@link ChannelClosedError} once the channel is closed and drained.
   *
   * @example
   * ```ts
   * import { Channel } from 'weftjs';
   * const ch = new Channel<string>(1);
   * void ch.send('hello');
   * console.log(await ch.receive()); // 'hello'
   * ```
   */
  receive(options?: TimeoutOptions): Promise<T> {
    const ring = this.#ring;
    try {
      const timeout = timeoutOf('Channel.receive', options);
      const value = ring.tryPop();
      if (value !== EMPTY) return value === CLOSED ? Promise.reject(closedOnReceive('Channel.receive')) : Promise.resolve(value as T);
      return runAsync(receiveSteps(ring, deadlineOf(timeout), 0)).then((outcome) => settleReceive('Channel.receive', outcome, timeout) as T);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * Take a value if one is buffered; never waits.
   *
   * @example
   * ```ts
   * import { Channel } from 'weftjs';
   * const ch = new Channel<number>(2);
   * ch.trySend(7);
   * console.log(ch.tryReceive()); // { kind: 'received', value: 7 }
   * console.log(ch.tryReceive()); // { kind: 'empty' }
   * ```
   */
  tryReceive(): TryReceiveResult<T> {
    const value = this.#ring.tryPop();
    if (value === EMPTY) return EMPTY_RESULT;
    if (value === CLOSED) return CLOSED_RESULT;
    return { kind: 'received', value: value as T };
  }

  /**
   * The blocking form of {@link Channel.receive}, for workers (and Node's
   * main thread); throws a `TypeError` where the thread may not block.
   *
   * @throws ChannelClosedError once the channel is closed and drained.
   * @throws TimeoutError when `timeout` passes first.
   *
   * @example
   * ```ts
   * import { Channel } from 'weftjs';
   * const ch = new Channel<number>(1);
   * ch.trySend(1);
   * console.log(ch.receiveSync({ timeout: 100 })); // 1
   * ```
   */
  receiveSync(options?: TimeoutOptions): T {
    const ring = this.#ring;
    const timeout = timeoutOf('Channel.receiveSync', options);
    const value = ring.tryPop();
    if (value === CLOSED) throw closedOnReceive('Channel.receiveSync');
    if (value !== EMPTY) return value as T;
    assertCanBlock('Channel.receiveSync');
    return settleReceive('Channel.receiveSync', runBlocking(receiveSteps(ring, deadlineOf(timeout), BLOCKING_SPIN)), timeout) as T;
  }

  /**
   * Close the channel (idempotent): sends fail from now on; buffered values
   * can still be received. Wakes every blocked sender and receiver.
   *
   * @returns true when this call closed it, false when it was closed already.
   *
   * @example
   * ```ts
   * import { Channel } from 'weftjs';
   * const ch = new Channel<number>(4);
   * ch.trySend(1);
   * ch.close();
   * console.log(await ch.receive()); // 1: buffered values drain
   * ```
   */
  close(): boolean {
    return this.#ring.close();
  }

  /**
   * This channel's receive, as a case of {@link select}.
   *
   * @example
   * ```ts
   * import { Channel, select } from 'weftjs';
   * const a = new Channel<number>(1);
   * a.trySend(1);
   * const r = await select([a.receiving()]);
   * console.log(r.kind === 'received' && r.value); // 1
   * ```
   */
  receiving(): ReceiveCase<T> {
    const c: ReceiveCase<T> = { kind: 'receive', channel: this };
    caseInternals.set(c, { ring: this.#ring, message: undefined });
    return c;
  }

  /**
   * A send of `value` to this channel, as a case of {@link select}. The
   * value is encoded now: a `TypeError` for one that cannot be sent.
   *
   * @example
   * ```ts
   * import { Channel, select } from 'weftjs';
   * const out = new Channel<string>(1);
   * const r = await select([out.sending('hi')], { default: true });
   * console.log(r.kind); // 'sent'
   * ```
   */
  sending(value: T): SendCase<T> {
    const c: SendCase<T> = { kind: 'send', channel: this, value };
    caseInternals.set(c, { ring: this.#ring, message: this.#ring.encode(value, 'Channel.sending') });
    return c;
  }

  /**
   * Receive until the channel is closed and drained, without blocking the
   * thread.
   *
   * @example
   * ```ts
   * import { Channel } from 'weftjs';
   * const ch = new Channel<number>(4);
   * ch.trySend(1); ch.trySend(2); ch.close();
   * for await (const x of ch) console.log(x); // 1, 2
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const ring = this.#ring;
    return {
      next: (): Promise<IteratorResult<T>> => {
        const value = ring.tryPop();
        if (value === CLOSED) return Promise.resolve({ value: undefined, done: true });
        if (value !== EMPTY) return Promise.resolve({ value: value as T, done: false });
        return runAsync(receiveSteps(ring, Infinity, 0)).then((outcome) =>
          outcome === CLOSED ? { value: undefined, done: true } : { value: outcome as T, done: false },
        );
      },
    };
  }

  /**
   * Receive until the channel is closed and drained, blocking the thread
   * while it is empty (workers, Node's main thread; a `TypeError` where the
   * thread may not block).
   *
   * @example
   * ```ts
   * import { Channel } from 'weftjs';
   * const ch = new Channel<number>(4);
   * ch.trySend(1); ch.trySend(2); ch.close();
   * console.log([...ch]); // [1, 2]
   * ```
   */
  [Symbol.iterator](): Iterator<T> {
    const ring = this.#ring;
    return {
      next: (): IteratorResult<T> => {
        let value = ring.tryPop();
        if (value === EMPTY) {
          assertCanBlock('Channel iteration');
          value = runBlocking(receiveSteps(ring, Infinity, BLOCKING_SPIN));
        }
        return value === CLOSED ? { value: undefined, done: true } : { value: value as T, done: false };
      },
    };
  }

  static {
    registerShareable<Channel<unknown>, { buffer: SharedArrayBuffer }>({
      name: 'weft.Channel',
      type: Channel,
      encode: (ch) => {
        // On its way to a worker, which cannot read values passed by identity.
        ch.#ring.markShipped();
        return { buffer: ch.#ring.buffer };
      },
      decode: (state) => {
        const known = findChannel(new ChannelRing(state.buffer).id);
        if (known) return known;
        reviving = state.buffer;
        return new Channel();
      },
    });
    // Inside encoded values (through a channel, or a task's result) a channel travels as its id.
    addExtension({
      Class: Channel,
      type: 0x57,
      write: (ch: Channel<unknown>) => ch.#ring.id,
      read: (id: string) => {
        const known = findChannel(id);
        if (!known) {
          throw new TypeError(
            'A channel arrived inside a value, but this thread has never seen that channel; pass it to the task as an argument or in `context` first (a channel inside a value travels as its id)',
          );
        }
        return known;
      },
    });
  }
}

function closedOnSend(where: string, value: unknown): ChannelClosedError {
  return new ChannelClosedError(`${where}: the channel is closed; the value was not sent`, value);
}

function closedOnReceive(where: string): ChannelClosedError {
  return new ChannelClosedError(`${where}: the channel is closed and drained`);
}

function settleReceive(where: string, outcome: unknown, timeout: number): unknown {
  if (outcome === CLOSED) throw closedOnReceive(where);
  if (outcome === TIMED_OUT) throw new TimeoutError(`${where}: nothing arrived within ${timeout} ms`, timeout);
  return outcome;
}
