/**
 * How blocked senders and receivers sleep and wake, written once as
 * generator slow paths (see `sync/futex.ts`): `runBlocking` drives them with
 * `Atomics.wait` for `sendSync`/`receiveSync`, `runAsync` with
 * `Atomics.waitAsync` for `send`/`receive`.
 *
 * Sleeping follows one pattern on both sides (Dekker): announce the sleep
 * by setting the event word's `SLEEPING` bit (`ring.announceSleep`, which
 * returns the value to wait on), try the operation again, then sleep while
 * the event word still holds that value. The other side changes the ring
 * (a store), then reads the event word, and only if the bit is set moves it
 * on (clearing the bit) and notifies everyone. With sequentially consistent
 * Atomics one of the two sees the other, so no wake-up is lost; and a burst
 * of changes while a sleeper wakes costs one notify. Before sleeping, a
 * blocking waiter spins reading only `TAIL` and `HEAD`.
 *
 * @module
 */
import { futexWait, remaining, type FutexSteps } from '../sync/futex.js';
import type { ChannelRing } from './ring.js';
import { CLOSED, EMPTY, FULL, RECV_EVENT, RECV_SLEEPERS, SEND_EVENT, type OutgoingMessage } from './ring-layout.js';

/** A slow path's result when its deadline passed first. */
export const TIMED_OUT: unique symbol = Symbol('weft.channel.timedOut');

/** Receive: the value, `CLOSED` (closed and drained) or `TIMED_OUT`. */
export function* receiveSteps(ring: ChannelRing, deadline: number, spin: number): FutexSteps<unknown> {
  const w = ring.words;
  for (let spins = 0; ; spins++) {
    const value = ring.tryPop();
    if (value !== EMPTY) return value;
    if (spins < spin) {
      // Spin until a send is claimed, reading only TAIL and HEAD: the slot a producer is writing stays in its cache.
      while (spins < spin && !ring.maySucceedPop()) spins++;
      continue;
    }
    const left = remaining(deadline);
    if (left <= 0) return TIMED_OUT;
    Atomics.add(w, RECV_SLEEPERS, 1);
    try {
      // A sleeping receiver makes a rendezvous channel ready for trySend and select's send cases.
      if (ring.rendezvous) ring.wakeSenders();
      const seen = ring.announceSleep(RECV_EVENT);
      const again = ring.tryPop();
      if (again !== EMPTY) return again;
      // Woken by a publish (tryPush) or close; a wait that starts after the bump returns at once.
      yield futexWait(w, RECV_EVENT, seen, left);
    } finally {
      Atomics.sub(w, RECV_SLEEPERS, 1);
    }
  }
}

/** One try: claim blob cells if the message needs them, then a slot. */
export function attemptSend(ring: ChannelRing, message: OutgoingMessage): number | typeof FULL | typeof CLOSED {
  if (message.blob && message.blobPos < 0) {
    if (ring.closed) return CLOSED;
    if (!ring.claimBlob(message)) return FULL;
  }
  return ring.tryPush(message);
}

/** trySend: a slot now, or `FULL`; on a rendezvous, only while a receiver waits for a value. */
export function trySendMessage(ring: ChannelRing, message: OutgoingMessage): number | typeof FULL | typeof CLOSED {
  if (ring.rendezvous && (ring.sleepingReceivers === 0 || ring.size > 0)) return ring.closed ? CLOSED : FULL;
  const pushed = attemptSend(ring, message);
  if (typeof pushed !== 'number') ring.releaseHeld(message);
  return pushed;
}

/**
 * Send: `undefined` when delivered (buffered, or on a rendezvous channel
 * taken by a receiver), `CLOSED` or `TIMED_OUT` when not sent (nothing of
 * the message stays in the channel).
 */
export function* sendSteps(ring: ChannelRing, message: OutgoingMessage, deadline: number, spin: number): FutexSteps<undefined | typeof CLOSED | typeof TIMED_OUT> {
  const w = ring.words;
  let position = -1;
  let outcome: typeof CLOSED | typeof TIMED_OUT | undefined;
  try {
    for (let spins = 0; position < 0 && outcome === undefined; spins++) {
      const tried = attemptSend(ring, message);
      if (typeof tried === 'number') {
        position = tried;
        break;
      }
      if (tried === CLOSED) {
        outcome = CLOSED;
        break;
      }
      if (spins < spin) {
        // Spin until a slot is freed, reading only HEAD and TAIL: the slot a consumer is reading stays in its cache.
        while (spins < spin && !ring.maySucceedPush()) spins++;
        continue;
      }
      const left = remaining(deadline);
      if (left <= 0) {
        outcome = TIMED_OUT;
        break;
      }
      const seen = ring.announceSleep(SEND_EVENT);
      const again = attemptSend(ring, message);
      if (typeof again === 'number') position = again;
      else if (again === CLOSED) outcome = CLOSED;
      // Woken when a consumer frees a slot or blob cells, or on close.
      else yield futexWait(w, SEND_EVENT, seen, left);
    }
  } finally {
    // Not published (closed, timed out): give back blob cells it held.
    if (position < 0) ring.releaseHeld(message);
  }
  if (outcome !== undefined) return outcome;
  if (!ring.rendezvous) return undefined;
  return yield* awaitPickup(ring, position, deadline, spin);
}

/**
 * A rendezvous sender waits until a receiver claims its message (HEAD moves
 * past `position`). On close or timeout it retracts the message instead,
 * unless a receiver won the race for it (then the send succeeded).
 */
function* awaitPickup(ring: ChannelRing, position: number, deadline: number, spin: number): FutexSteps<undefined | typeof CLOSED | typeof TIMED_OUT> {
  const w = ring.words;
  for (let spins = 0; ; spins++) {
    if (ring.head !== position) return undefined;
    if (ring.closed) return ring.retract(position) ? CLOSED : undefined;
    if (spins < spin) continue;
    const left = remaining(deadline);
    if (left <= 0) return ring.retract(position) ? TIMED_OUT : undefined;
    const seen = ring.announceSleep(SEND_EVENT);
    if (ring.head !== position || ring.closed) continue;
    // Woken by the receiver freeing the slot (consumers wake every sleeping sender) or by close.
    yield futexWait(w, SEND_EVENT, seen, left);
  }
}
