/**
 * The mailboxes between the calling thread and one shared-heap thread of the
 * native backend: a queue each way, guarded by the engine's `Lock`, and how
 * each side wakes the other after a change.
 *
 * @experimental The Thread API ships in no released engine yet.
 * @module
 */
import type { FromWorker, ToWorker } from '../protocol.js';
import { wakeParkedThreads } from '../sync/futex.js';
import type { ConditionLike, LockLike } from '../engine/thread-api.js';

/** A one-way queue between two threads of the same heap, guarded by `lock`. */
export interface Mailbox<T> {
  readonly lock: LockLike;
  readonly queue: T[];
  closed: boolean;
}

/** Caller → thread. The thread waits on `ready` before the pool's `init`, afterwards parked in the scheduler. */
export interface Inbox extends Mailbox<ToWorker> {
  readonly ready: ConditionLike;
}

/** Thread → caller. */
export interface Outbox extends Mailbox<FromWorker> {
  /** What ended the thread, when it threw. */
  failure: { error: unknown } | undefined;
  /**
   * Bumped (and notified) after every change: the caller waits with
   * `Atomics.waitAsync`, which (unlike a pending `asyncWait` or `asyncJoin`)
   * does not keep the process alive, so an idle pool lets it exit.
   */
  readonly changes: Int32Array;
}

/** Wake the thread reading `inbox`, wherever it waits: on the inbox's Condition, or parked in the scheduler's sleep. */
export function announceToThread(inbox: Inbox): void {
  inbox.ready.notifyAll();
  wakeParkedThreads();
}

/** Wake the caller reading `outbox` (its `waitAsync` on the change counter). */
export function announceToCaller(outbox: Outbox): void {
  Atomics.add(outbox.changes, 0, 1);
  Atomics.notify(outbox.changes, 0);
}

