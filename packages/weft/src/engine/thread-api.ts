/**
 * The engine's shared-heap Thread API (THREAD-API.md), as Weft sees it: the
 * one place that reads its globals. The native backend builds on it; the
 * waiting layer (`sync/futex.ts`) and thread identity (`sync/thread-id.ts`)
 * ask it whether they run among shared-heap threads.
 *
 * @module
 */

/** A `Thread` object. */
export interface ThreadLike {
  join(): unknown;
  asyncJoin(): Promise<unknown>;
  readonly id: number;
}

/** A `Lock` (not re-entrant). */
export interface LockLike {
  hold<T>(fn: () => T): T;
  asyncHold(): Promise<() => void>;
}

/** A `Condition`. */
export interface ConditionLike {
  wait(lock: LockLike): void;
  asyncWait(lock: LockLike): Promise<() => void>;
  notify(): number;
  notifyAll(): number;
}

/** A `ThreadLocal`: one `value` per thread. */
export interface ThreadLocalLike {
  value: unknown;
}

/** The globals Weft uses. */
export interface ThreadApi {
  readonly Thread: (new (fn: (...args: never[]) => unknown, ...args: unknown[]) => ThreadLike) & { readonly current: ThreadLike };
  readonly Lock: new () => LockLike;
  readonly Condition: new () => ConditionLike;
  readonly ThreadLocal: new () => ThreadLocalLike;
}

/** The Thread API's globals where the engine has them all (the cheap, synchronous half of detection), else `undefined`. */
export function threadApi(): ThreadApi | undefined {
  const g = globalThis as unknown as Partial<ThreadApi>;
  return typeof g.Thread === 'function' &&
    typeof g.Lock === 'function' &&
    typeof g.Condition === 'function' &&
    typeof g.ThreadLocal === 'function' &&
    'current' in g.Thread
    ? (g as ThreadApi)
    : undefined;
}

/** True where the engine exposes the Thread API's globals. */
export function hasThreadApi(): boolean {
  return threadApi() !== undefined;
}
