/**
 * Fork-join inside tasks, in the style of rayon: `fork` queues a sub-task on
 * the current worker's deque (idle workers steal it), `join` runs two pieces
 * of work in parallel, `scope` waits for everything forked inside it. A
 * worker waiting in a join runs other queued work meanwhile, so deep
 * recursion never deadlocks a fixed-size pool.
 *
 * @module
 */
import { currentScheduler } from '../task/current-scheduler.js';
import { defaultPool } from './default-pool.js';
import { shippableRef } from '../task/function-ref.js';
import { checkFunction, describeValue } from '../validate.js';

/** A forked task: `join()` blocks (inside a task) until it finishes; `await` works anywhere. */
export interface ForkHandle<R> extends PromiseLike<R> {
  /** Wait for the result, running other queued work meanwhile. Only inside a pool task. */
  join(): R;
}


/**
 * Run `fn(...args)` as a sub-task that any idle worker may steal. Inside a
 * pool task, `handle.join()` waits for it (running other work meanwhile);
 * anywhere, `await handle` does. Outside a pool task, the sub-task runs on
 * the default pool and only `await` works.
 *
 * On workers `fn` follows the same rules as a task: it captures nothing, or
 * it is a module function ({@link defineTask}) — the usual way to write
 * recursive fork-join code, since the module can refer to itself and import
 * `fork`. On the native backend any closure works, captures included.
 *
 * Arguments are copied, except shared memory: a typed array on a
 * `SharedArrayBuffer` that reached the task through `pool.run`'s arguments,
 * and shareables (Mutex, atomic cells, channels) on such memory, are the same
 * memory in the fork. A buffer the task created itself cannot be shared with
 * other workers: such a fork runs at once, on this worker.
 *
 * @typeParam A - the argument types.
 * @typeParam R - the return type.
 *
 * @example
 * ```ts
 * // fib.ts
 * import { defineTask, fork } from 'weftjs';
 * export const fib = defineTask(import.meta.url, (n: number): number => {
 *   if (n < 25) return n < 2 ? n : fibSeq(n - 1) + fibSeq(n - 2);
 *   const left = fork(fib, n - 1);
 *   const right = fib(n - 2);
 *   return left.join() + right;
 * });
 * function fibSeq(n: number): number { return n < 2 ? n : fibSeq(n - 1) + fibSeq(n - 2); }
 *
 * // main.ts
 * const pool = new Pool();
 * console.log(await pool.run(fib, 32));
 * ```
 */
export function fork<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): ForkHandle<Awaited<R>> {
  const scheduler = currentScheduler();
  if (scheduler?.sharesHeap) {
    // A shared-heap thread: the closure itself is queued, captures and all.
    checkFunction('fork', 'fn', fn);
    return scheduler.fork<Awaited<R>>(fn as (...args: unknown[]) => unknown, args);
  }
  const ref = shippableRef('fork', fn);
  if (scheduler) return scheduler.fork<Awaited<R>>(fn as (...args: unknown[]) => unknown, args, ref);
  const result = defaultPool('auto').then((pool) => pool.run(fn, ...args));
  return {
    join(): never {
      throw new TypeError('fork: join() blocks, so it works only inside a pool task; here, await the handle instead');
    },
    then: (onFulfilled, onRejected) => result.then(onFulfilled, onRejected),
  };
}

/** A function and its arguments, for {@link join}. */
export type Call<A extends unknown[], R> = readonly [fn: (...args: A) => R, ...args: A];

/**
 * Run two calls in parallel and return both results: the first is forked
 * (so an idle worker may steal it), the second runs here, then the first is
 * joined. Only inside a pool task.
 *
 * @typeParam A - the first call's argument types.
 * @typeParam RA - the first call's result.
 * @typeParam B - the second call's argument types.
 * @typeParam RB - the second call's result.
 *
 * @example
 * ```ts
 * import { defineTask, join } from 'weftjs';
 * export const sum = defineTask(import.meta.url, (xs: number[]): number => {
 *   if (xs.length < 10_000) return xs.reduce((a, b) => a + b, 0);
 *   const mid = xs.length >> 1;
 *   const [a, b] = join([sum, xs.slice(0, mid)], [sum, xs.slice(mid)]);
 *   return a + b;
 * });
 * ```
 */
export function join<A extends unknown[], RA, B extends unknown[], RB>(first: Call<A, RA>, second: Call<B, RB>): [RA, RB] {
  if (!Array.isArray(first) || !Array.isArray(second)) {
    throw new TypeError(`join: expected two [fn, ...args] arrays, received ${describeValue(first)} and ${describeValue(second)}`);
  }
  if (!currentScheduler()) throw new TypeError('join: works only inside a pool task; here, use Promise.all with pool.run');
  const [fa, ...aa] = first;
  const [fb, ...ab] = second;
  checkFunction('join', 'the second function', fb);
  const left = fork(fa as (...args: unknown[]) => RA, ...(aa as unknown[]));
  let right: RB;
  try {
    right = (fb as (...args: unknown[]) => RB)(...(ab as unknown[]));
  } catch (err) {
    // Do not leave the fork behind: wait for it, then report the first failure.
    try {
      left.join();
    } catch {
      /* the second call's error wins */
    }
    throw err;
  }
  return [left.join() as RA, right];
}

/** What {@link scope}'s body receives: `fork`, tracked by the scope. */
export interface Scope {
  /** {@link fork}, and the scope waits for the handle before it returns. */
  fork<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): ForkHandle<Awaited<R>>;
}

/**
 * Run `body`, then wait for every task it forked through the scope before
 * returning (even when `body` throws). The first failure is rethrown after
 * all have finished. Only inside a pool task.
 *
 * @typeParam R - what `body` returns.
 *
 * @example
 * ```ts
 * import { defineTask, scope } from 'weftjs';
 * export const work = defineTask(import.meta.url, (parts: number[][]) =>
 *   scope((s) => parts.map((part) => s.fork(total, part)).map((h) => h.join())));
 * ```
 */
export function scope<R>(body: (scope: Scope) => R): R {
  checkFunction('scope', 'body', body);
  if (!currentScheduler()) throw new TypeError('scope: works only inside a pool task');
  const handles: ForkHandle<unknown>[] = [];
  const s: Scope = {
    fork: (fn, ...args) => {
      const handle = fork(fn, ...args);
      handles.push(handle);
      return handle;
    },
  };
  let failure: { error: unknown } | undefined;
  let result: R | undefined;
  try {
    result = body(s);
  } catch (error) {
    failure = { error };
  }
  for (const handle of handles) {
    try {
      handle.join();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
  return result as R;
}
