/**
 * @weft/thread-shim: the shared-heap Thread API (THREAD-API.md) for Node 20,
 * in global-lock mode. Importing the package installs the globals declared
 * below with the default options.
 *
 * @experimental Mirrors an API that ships in no released engine yet.
 * @module
 */

/** Options for {@link install}. Options left out keep their current value. */
export interface InstallOptions {
  /**
   * Preemption: a timer thread interrupts the running thread every
   * `intervalMs` (default 5) while another thread waits for the global lock,
   * so threads interleave at arbitrary points. Default `false`: threads switch
   * only inside blocking calls.
   */
  preempt?: boolean | { intervalMs?: number };
  /**
   * When `false`, `join()`, a contended `hold()`, `Condition.wait()` and a
   * property `Atomics.wait()` throw `TypeError` on the main thread (as on a
   * browser-like main thread). Default `true`.
   */
  mainThreadMayBlock?: boolean;
  /**
   * When `false`, the same gate applies on every thread (the engine's
   * `--can-block-is-false`). Default `true`.
   */
  canBlock?: boolean;
  /**
   * The most live spawned threads (1..256; the engine's `maxJSThreads`).
   * One more `new Thread` throws `RangeError`. Default 256.
   */
  maxThreads?: number;
}

/** The configuration in force after {@link install}. */
export interface InstalledOptions {
  preempt: boolean;
  intervalMs: number;
  mainThreadMayBlock: boolean;
  canBlock: boolean;
  maxThreads: number;
}

/**
 * Installs the Thread API globals, or reconfigures them.
 *
 * @example
 * ```js
 * const { install } = require('@weft/thread-shim');
 * install({ preempt: { intervalMs: 2 } });
 * const sum = await new Thread((a, b) => a + b, 1, 2).asyncJoin(); // 3
 * ```
 */
export function install(options?: InstallOptions): InstalledOptions;

/**
 * Thrown when an object pinned with `Thread.restrict` is touched from another
 * thread. An `Error` subclass; callable with or without `new`.
 */
export declare const ConcurrentAccessError: {
  new (message?: string, options?: ErrorOptions): Error & { name: 'ConcurrentAccessError' };
  (message?: string, options?: ErrorOptions): Error & { name: 'ConcurrentAccessError' };
  readonly prototype: Error & { name: 'ConcurrentAccessError' };
};

/**
 * The object of a property-form Atomics call: any object but a typed array,
 * so that `Atomics.load(int32Array, 0)` keeps lib.es's typed-array overloads
 * (and their `number` result) instead of matching these first.
 */
type PropertyObject<O extends object> = O extends ArrayBufferView ? never : O;

declare global {
  /** A thread of the same heap: arguments and results are shared by identity. */
  class Thread<T = unknown> {
    /** Starts `fn(...args)` at once on a new OS thread, with `this === undefined`. */
    constructor(fn: (...args: any[]) => T, ...args: unknown[]);
    /** Blocks until `fn` finished; returns its value or rethrows the same exception object. */
    join(): T;
    /** A new promise each call, settling on a later turn with `fn`'s value or exception. */
    asyncJoin(): Promise<T>;
    /** 0 for the main thread, 1..0x7ffe for spawned threads (never reused). */
    readonly id: number;
    /** The calling thread's Thread object (inside a thread: the object `new` returned). */
    static readonly current: Thread;
    /** Pins a plain object or array to the calling thread (see the README for what is checked). */
    static restrict<O extends object>(object: O): O;
  }

  /**
   * A non-reentrant lock. Declared as an interface and a `var` rather than a
   * class so that it merges with lib.dom's `Lock` (the Web Locks API's) instead
   * of clashing with it (TS2300) in a project that has both.
   */
  interface Lock {
    /** Runs `fn` holding the lock (blocking when contended) and returns its value. */
    hold<T>(fn: () => T): T;
    /** Runs `fn` holding the lock on a later turn, on the main thread; settles with its result. */
    asyncHold<T>(fn: () => T): Promise<Awaited<T>>;
    /** Resolves to a release function, to be called exactly once (a second call throws). */
    asyncHold(): Promise<() => void>;
    /** Racy; for tests. */
    readonly locked: boolean;
  }
  // The same type as lib.dom's declaration, so that the two may coexist.
  var Lock: {
    prototype: Lock;
    new (): Lock;
  };

  /** A condition variable used with a {@link Lock}. */
  class Condition {
    constructor();
    /** Releases `lock`, blocks until notified, re-acquires `lock`. Loop on your predicate. */
    wait(lock: Lock): void;
    /** Gives up the hold now; resolves to a fresh release function once notified and re-granted. */
    asyncWait(lock: Lock): Promise<() => void>;
    /** Wakes one waiter (FIFO); returns the number woken. */
    notify(): number;
    /** Wakes every waiter; returns the number woken. */
    notifyAll(): number;
  }

  /** One slot per thread. */
  class ThreadLocal<T = unknown> {
    constructor();
    value: T | undefined;
  }

  /** Thrown when an object pinned with `Thread.restrict` is touched from another thread. */
  var ConcurrentAccessError: typeof import('./index.js').ConcurrentAccessError;

  interface Atomics {
    load<O extends object>(object: PropertyObject<O>, key: PropertyKey): unknown;
    store<V, O extends object = object>(object: PropertyObject<O>, key: PropertyKey, value: V): V;
    exchange<O extends object>(object: PropertyObject<O>, key: PropertyKey, value: unknown): unknown;
    compareExchange<O extends object>(object: PropertyObject<O>, key: PropertyKey, expected: unknown, replacement: unknown): unknown;
    add<O extends object>(object: PropertyObject<O>, key: PropertyKey, value: number): number;
    sub<O extends object>(object: PropertyObject<O>, key: PropertyKey, value: number): number;
    and<O extends object>(object: PropertyObject<O>, key: PropertyKey, value: number): number;
    or<O extends object>(object: PropertyObject<O>, key: PropertyKey, value: number): number;
    xor<O extends object>(object: PropertyObject<O>, key: PropertyKey, value: number): number;
    wait<O extends object>(object: PropertyObject<O>, key: PropertyKey, expected: unknown, timeout?: number): 'ok' | 'not-equal' | 'timed-out';
    waitAsync<O extends object>(
      object: PropertyObject<O>,
      key: PropertyKey,
      expected: unknown,
      timeout?: number,
    ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
    notify<O extends object>(object: PropertyObject<O>, key: PropertyKey, count?: number): number;
  }
}
