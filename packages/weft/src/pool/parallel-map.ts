/**
 * `parallelMap`: the main job of the library.
 *
 * @module
 */
import { defaultWorkers } from './default-pool.js';
import { mapOnWorkers, type MapFn, type ParallelMapOptions } from '../map/map-on-workers.js';

export type { MapFn, ParallelMapOptions } from '../map/map-on-workers.js';

/**
 * Map `fn` over `items` on all cores; results come back in input order.
 *
 * `fn` runs in workers, so it must not capture variables: values it needs
 * come in through `options.context` (sent once per worker), and a function
 * that refers to outer variables is refused at the call with a `TypeError`
 * naming them. Functions that need imports live in a module and are declared
 * with {@link defineTask}.
 *
 * Work is split into chunks that workers claim from shared memory; chunks
 * start large and shrink so that uneven items still balance. The first items
 * run on the calling thread to measure their cost: inputs too small to gain
 * from parallelism finish there, without a worker. It runs on the default
 * {@link Pool}'s workers; use {@link Pool.map} for another pool. Called
 * inside a pool task, it runs on that task's pool, rayon style: its chunks
 * are forked there and the task works while it waits; no pool starts inside
 * a worker.
 *
 * Failures reject with a {@link TaskError} carrying the item's `index` and
 * the original error as `cause` (its class name, message, `code`, `cause` and
 * stack); unstarted chunks are cancelled and running ones finish first. A
 * worker that dies rejects the call with a {@link WorkerExitError}.
 *
 * @typeParam T - the item type.
 * @typeParam R - what `fn` returns (a promise's value when it is async).
 * @typeParam C - the type of `options.context`.
 * @throws TypeError / RangeError at the call for bad arguments.
 *
 * @example
 * ```ts
 * import { parallelMap } from 'weftjs';
 *
 * const primes = await parallelMap([1e6, 2e6, 3e6], (limit, _i, ctx) => {
 *   let count = 0;
 *   for (let n = 2; n < limit; n++) {
 *     let prime = true;
 *     for (let d = 2; d * d <= n; d++) if (n % d === 0) { prime = false; break; }
 *     if (prime) count += ctx.weight;
 *   }
 *   return count;
 * }, { context: { weight: 1 } });
 * ```
 */
export function parallelMap<T, R, C = undefined>(
  items: Iterable<T> | ArrayLike<T>,
  fn: MapFn<T, R, C>,
  options: ParallelMapOptions<C> = {},
): Promise<Awaited<R>[]> {
  return mapOnWorkers('parallelMap', defaultWorkers, items, fn, options, true);
}
