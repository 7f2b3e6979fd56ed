/**
 * `select`: wait for the first of several channel operations.
 *
 * @module
 */
import { deadlineOf, remaining, timeoutOf } from '../sync/futex.js';
import { describeValue } from '../validate.js';
import type { ChannelRing } from './ring.js';
import { CLOSED, EMPTY, RECV_SLEEPERS, SELECT_EVENT, SELECT_SLEEPERS } from './ring-layout.js';
import { caseInternals, type CaseInternals, type ReceiveCase, type SelectCase } from './select-case.js';
import { trySendMessage } from './waits.js';

/** Options of {@link select}. */
export interface SelectOptions {
  /** Give up after this many ms: the result is `{ kind: 'timeout' }`. */
  readonly timeout?: number;
  /** When true, do not wait: if no case is ready, the result is `{ kind: 'default' }`. */
  readonly default?: boolean;
  /** The randomness that picks among ready cases, in [0, 1) (default `Math.random`; pass a seeded one in tests). */
  readonly random?: () => number;
}

/** The value type of the receive cases among `K`. */
export type ReceivedValue<K> = K extends ReceiveCase<infer T> ? T : never;

/**
 * Which case of a {@link select} fired, and with what: `index` is the
 * case's position in the array.
 *
 * - `received`: a receive case took `value`.
 * - `sent`: a send case's value was sent.
 * - `closed`: the case's channel is closed (for a receive case: and drained); a send case's value was not sent.
 * - `default`: no case was ready and `default` was set.
 * - `timeout`: no case became ready within `timeout`.
 *
 * @typeParam C - the cases.
 */
export type SelectResult<C extends readonly SelectCase[]> =
  | {
      /** A receive case took a value. */
      readonly kind: 'received';
      /** The case's position in the array. */
      readonly index: number;
      /** The value received. */
      readonly value: ReceivedValue<C[number]>;
    }
  | {
      /** A send case sent its value. */
      readonly kind: 'sent';
      /** The case's position in the array. */
      readonly index: number;
    }
  | {
      /** The case's channel is closed (receive: and drained; send: the value was not sent). */
      readonly kind: 'closed';
      /** The case's position in the array. */
      readonly index: number;
    }
  | {
      /** No case was ready and `default` was set. */
      readonly kind: 'default';
    }
  | {
      /** No case became ready within `timeout`. */
      readonly kind: 'timeout';
    };

type AnyResult = SelectResult<readonly SelectCase[]>;

type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) => { async: false; value: string } | { async: true; value: Promise<string> };
/** Longest single sleep of a select (ms). */
const STALE_WAIT_MS = 1000;
const waitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

/**
 * Wait until one of `cases` can proceed, perform it, and say which. When
 * several are ready, one is picked at random, so no channel starves.
 * Exactly one case takes effect: a receive that was not chosen takes
 * nothing, a send that was not chosen sends nothing.
 *
 * A receive case on a closed, drained channel and a send case on a closed
 * channel are ready: they give `{ kind: 'closed', index }`. A send case on
 * a rendezvous channel is ready only while a receiver waits for a value.
 * `select` never blocks the thread (it waits with `Atomics.waitAsync`).
 *
 * @param cases - made by `channel.receiving()` and `channel.sending(value)`.
 * @param options - `default`, `timeout`, `random`.
 *
 * @example
 * ```ts
 * import { Channel, select } from 'weftjs';
 * const results = new Channel<number>(8);
 * const errors = new Channel<Error>(8);
 * results.trySend(42);
 * const r = await select([results.receiving(), errors.receiving()], { timeout: 100 });
 * if (r.kind === 'received') console.log(r.index, r.value); // 0 42
 * ```
 */
export async function select<const C extends readonly SelectCase[]>(cases: C, options?: SelectOptions): Promise<SelectResult<C>> {
  const where = 'select';
  if (!Array.isArray(cases)) throw new TypeError(`${where}: cases must be an array of channel.receiving() / channel.sending(value), received ${describeValue(cases)}`);
  const internals = cases.map((c: unknown, i): CaseInternals => {
    const found = typeof c === 'object' && c !== null ? caseInternals.get(c) : undefined;
    if (!found) throw new TypeError(`${where}: case ${i} must come from channel.receiving() or channel.sending(value), received ${describeValue(c)}`);
    return found;
  });
  const timeout = timeoutOf(where, options);
  const useDefault = options?.default === true;
  const random = options?.random ?? Math.random;
  if (typeof random !== 'function') throw new TypeError(`${where}: random must be a function, received ${describeValue(random)}`);
  if (cases.length === 0 && !useDefault && timeout === Infinity) {
    throw new RangeError(`${where}: no cases, no default and no timeout would wait forever`);
  }
  const order = internals.map((_, i) => i);
  const attempt = (): AnyResult | undefined => {
    // Fisher-Yates: every ready case is equally likely to be tried first.
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (const index of order) {
      const { ring, message } = internals[index]!;
      if (message === undefined) {
        const value = ring.tryPop();
        if (value === CLOSED) return { kind: 'closed', index };
        if (value !== EMPTY) return { kind: 'received', index, value };
      } else {
        const sent = trySendMessage(ring, message);
        if (sent === CLOSED) return { kind: 'closed', index };
        if (typeof sent === 'number') return { kind: 'sent', index };
      }
    }
    return undefined;
  };

  const deadline = deadlineOf(timeout);
  const rings = [...new Set(internals.map((c) => c.ring))];
  const rendezvousReceivers = [...new Set(internals.filter((c) => c.message === undefined && c.ring.rendezvous).map((c) => c.ring))];
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  try {
    for (;;) {
      const ready = attempt();
      if (ready) return ready as SelectResult<C>;
      if (useDefault) return { kind: 'default' };
      const left = remaining(deadline);
      if (left <= 0) return { kind: 'timeout' };
      keepAlive ??= setInterval(() => {}, 1 << 30);
      // Announce, read each event word, try again, then sleep on all of them (see README: selects).
      for (const ring of rings) Atomics.add(ring.words, SELECT_SLEEPERS, 1);
      for (const ring of rendezvousReceivers) {
        // A select receiving from a rendezvous channel is a waiting receiver: senders may hand over.
        Atomics.add(ring.words, RECV_SLEEPERS, 1);
        ring.wakeSenders();
      }
      try {
        const seen = rings.map((ring) => Atomics.load(ring.words, SELECT_EVENT));
        const again = attempt();
        if (again) return again as SelectResult<C>;
        // Capped: waits left behind on the other words when one fires then expire within a second.
        await Promise.race(rings.map((ring, i) => sleepOn(ring, seen[i]!, Math.min(left, STALE_WAIT_MS))));
      } finally {
        for (const ring of rings) Atomics.sub(ring.words, SELECT_SLEEPERS, 1);
        for (const ring of rendezvousReceivers) Atomics.sub(ring.words, RECV_SLEEPERS, 1);
      }
    }
  } finally {
    if (keepAlive !== undefined) clearInterval(keepAlive);
  }
}

/** Sleep while `SELECT_EVENT` is `seen` (woken by every ring change while selects sleep). */
function sleepOn(ring: ChannelRing, seen: number, timeout: number): Promise<unknown> {
  if (waitAsync) {
    const result = waitAsync(ring.words, SELECT_EVENT, seen, timeout);
    return result.async ? result.value : Promise.resolve(result.value);
  }
  // Without waitAsync: poll every few ms (correct, slower).
  return new Promise((resolve) => {
    const start = performance.now();
    const check = (): void => {
      if (Atomics.load(ring.words, SELECT_EVENT) !== seen || performance.now() - start >= timeout) resolve(undefined);
      else setTimeout(check, 4);
    };
    check();
  });
}
