/**
 * The one test for "a task returned a promise" on the worker side: any object
 * or function with a callable `then`, as `await` would treat it.
 *
 * @module
 */

/** True when `value` is a thenable (an object or function with a callable `then`). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}
