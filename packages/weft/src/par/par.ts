/**
 * `par`: rayon's parallel iterators for JavaScript.
 *
 * @module
 */
import { ParIter } from './par-iter.js';
import { planChain, type ParOptions } from './par-options.js';

export type { ParOptions } from './par-options.js';
export type { ParIter } from './par-iter.js';

/**
 * A lazy parallel chain over `items` (rayon's `par_iter`): add stages with
 * `map`, `filter` and `flatMap`, then await a terminal (`toArray`,
 * `forEach`, `reduce`, `fold`, `sum`, `min`, `max`, `count`, `find`,
 * `findIndex`, `some`, `every`). The terminal runs all stages fused, one
 * pass per chunk of the source, on the default pool's workers (or
 * `options.pool`'s), and combines the chunks' results in input order.
 *
 * `items` is an array, a typed array or array-like, or any iterable (read
 * once, here). A typed array on a `SharedArrayBuffer` is read in place by
 * every worker, never copied; other sources travel in chunks. The options
 * are {@link parallelMap}'s: `context` reaches every function as its third
 * argument, and small inputs run on the calling thread with the same outcome.
 *
 * @throws TypeError / RangeError at the call for bad items or options;
 *   stage and terminal functions are checked when they are passed.
 *
 * @example
 * ```ts
 * import { par } from 'weftjs';
 *
 * const items = Array.from({ length: 1000 }, (_, i) => i);
 * const total = await par(items).map((x) => x * x).filter((x) => x % 3 === 0).sum();
 * console.log(total); // 111277611
 * const first = await par(items, { context: { limit: 500 } }).find((x, _i, ctx) => x > ctx.limit);
 * console.log(first); // 501
 * ```
 */
export function par<T, C = undefined>(items: Iterable<T> | ArrayLike<T>, options: ParOptions<C> = {}): ParIter<T, C> {
  return new ParIter<T, C>(planChain('par', items, options), []);
}
