/**
 * `ParIter`: a lazy parallel chain. Stages add to it; a terminal runs it.
 *
 * @module
 */
import { describeThrown } from '../codec/error-codec.js';
import { TaskError } from '../errors.js';
import { resolveFunction } from '../runtime/resolve-function.js';
import { DEFAULT_COMPARE, NOT_FOUND, type Sink } from './compile-chunk.js';
import type { ChainPlan } from './par-options.js';
import { runChain } from './run-chain.js';
import { chainFunction, type ChainFunction, type Stage, type StageKind } from './stage.js';

/** What a terminal's search chunk returns: the source index of its first hit, and the hit itself for find. */
type SearchHit = { readonly index: number; readonly value?: unknown } | null;

/**
 * A lazy parallel chain over a source, made by {@link par}. `map`, `filter`
 * and `flatMap` return a new chain (this one is unchanged and can be reused);
 * nothing runs until a terminal (`toArray`, `reduce`, `sum`, `find`, ...)
 * is called. A terminal runs every stage fused, in one pass per chunk, in
 * workers, and combines the chunks' results in input order.
 *
 * Every function passed to a chain follows {@link parallelMap}'s rules: it
 * captures nothing (values come through the `context` option), and one that
 * refers to outer variables is refused at the call with a `TypeError` naming
 * them. Module functions (`defineTask`, `fromModule`) are called by
 * reference, as by `parallelMap`, and `async` functions are awaited, one
 * item after another within a chunk. Stage functions and predicates get
 * `(item, index, context)`, where `index` is the position of the source item
 * the value came from.
 *
 * @typeParam T - the type of the values this chain yields.
 * @typeParam C - the type of the `context` option.
 *
 * @example
 * ```ts
 * import { par } from 'weftjs';
 *
 * const total = await par([1, 2, 3, 4, 5, 6]).map((x) => x * x).filter((x) => x % 2 === 0).sum();
 * console.log(total); // 56
 * ```
 */
export class ParIter<T, C = undefined> {
  readonly #plan: ChainPlan;
  readonly #stages: readonly Stage[];

  /** @internal Use {@link par}. */
  constructor(plan: ChainPlan, stages: readonly Stage[]) {
    this.#plan = plan;
    this.#stages = stages;
  }

  #check(name: string, what: string, fn: unknown): ChainFunction {
    return chainFunction(`par(...).${name}`, what, fn, this.#plan.closures);
  }

  #then<U>(kind: StageKind, fn: unknown): ParIter<U, C> {
    const checked = this.#check(kind, 'fn', fn);
    return new ParIter<U, C>(this.#plan, [...this.#stages, { kind, ...checked }]);
  }

  #run(name: string, sink: Sink, extra: { cell?: Int32Array; identity?: unknown } = {}): Promise<unknown[]> {
    return runChain(`par(...).${name}`, this.#plan, this.#stages, sink, extra);
  }

  /**
   * A chain of `fn(value, index, context)` for each value, like `Array#map`.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par(['a', 'bb']).map((s, i) => `${i}:${s.length}`).toArray()); // [ '0:1', '1:2' ]
   * ```
   */
  map<U>(fn: (item: T, index: number, context: C) => U): ParIter<U, C> {
    return this.#then<U>('map', fn);
  }

  /**
   * A chain of the values for which `predicate(value, index, context)` is
   * truthy, like `Array#filter`. A type guard narrows the chain's type.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par([5, 12, 8, 130]).filter((x) => x > 10).toArray()); // [ 12, 130 ]
   * ```
   */
  filter<S extends T>(predicate: (item: T, index: number, context: C) => item is S): ParIter<S, C>;
  filter(predicate: (item: T, index: number, context: C) => unknown): ParIter<T, C>;
  filter(predicate: (item: T, index: number, context: C) => unknown): ParIter<T, C> {
    return this.#then<T>('filter', predicate);
  }

  /**
   * A chain of the values `fn(value, index, context)` returns, with arrays
   * spread one level, like `Array#flatMap`. Every value it yields keeps the
   * `index` of the source item it came from.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par(['a b', 'c']).flatMap((line) => line.split(' ')).toArray()); // [ 'a', 'b', 'c' ]
   * ```
   */
  flatMap<U>(fn: (item: T, index: number, context: C) => U | readonly U[]): ParIter<U, C> {
    return this.#then<U>('flatMap', fn);
  }

  /**
   * Every value of the chain, in input order (rayon's `collect`).
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par(new Set([3, 1, 2])).map((x) => x * 10).toArray()); // [ 30, 10, 20 ]
   * ```
   */
  toArray(): Promise<T[]> {
    return this.#run('toArray', { kind: 'collect' }).then((chunks) => (chunks as T[][]).flat(1) as T[]);
  }

  /**
   * Call `fn(value, index, context)` for each value, in parallel and in no
   * particular order; resolves when all calls have returned. Side effects
   * must go to shared memory (a typed array on a `SharedArrayBuffer`, an
   * atomic cell) passed in `context`.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * const out = new Int32Array(new SharedArrayBuffer(4 * 3));
   * await par([1, 2, 3], { context: { out } }).forEach((x, i, ctx) => { ctx.out[i] = x * x; });
   * console.log(Array.from(out)); // [ 1, 4, 9 ]
   * ```
   */
  forEach(fn: (item: T, index: number, context: C) => void): Promise<void> {
    const each = this.#check('forEach', 'fn', fn);
    return this.#run('forEach', { kind: 'each', fn: each }).then(() => undefined);
  }

  /**
   * Combine the values with `fn`, which must be associative
   * (`fn(fn(a, b), c)` equals `fn(a, fn(b, c))`), starting each chunk from
   * `identity` (which must leave a value unchanged: `fn(identity, x)` is
   * `x`). As rayon's `reduce`: chunks reduce in workers, then the chunks'
   * results are reduced in input order. An empty chain gives `identity`.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par([3, 9, 4]).reduce((a, b) => Math.max(a, b), -Infinity)); // 9
   * ```
   */
  reduce(fn: (a: T, b: T) => T, identity: T): Promise<T> {
    const step = this.#check('reduce', 'fn', fn);
    return this.#run('reduce', { kind: 'reduce', fn: step }, { identity }).then((results) => {
      const chunks = results as T[];
      // Each chunk started from its own copy of identity; the caller's identity is returned only for an empty chain.
      return chunks.length === 0 ? identity : combineOnCaller('reduce', chunks.slice(1), chunks[0] as T, step);
    });
  }

  /**
   * rayon's `fold` followed by `reduce`: each chunk starts from `init()`,
   * adds its values with `step(acc, value, index, context)`, and the chunks'
   * accumulators are merged in input order with `combine(a, b)`. An empty
   * chain gives `init()`. The accumulator may be anything that can be copied
   * back from a worker (a `Map`, an object, an array).
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * const counts = await par(['a b', 'b c b']).flatMap((line) => line.split(' ')).fold(
   *   () => new Map<string, number>(),
   *   (acc, word) => acc.set(word, (acc.get(word) ?? 0) + 1),
   *   (a, b) => { for (const [word, n] of b) a.set(word, (a.get(word) ?? 0) + n); return a; },
   * );
   * console.log(counts); // Map(3) { 'a' => 1, 'b' => 3, 'c' => 1 }
   * ```
   */
  fold<A>(init: () => A, step: (acc: A, item: T, index: number, context: C) => A, combine: (a: A, b: A) => A): Promise<A> {
    const initFn = this.#check('fold', 'init', init);
    const stepFn = this.#check('fold', 'step', step);
    const combineFn = this.#check('fold', 'combine', combine);
    return this.#run('fold', { kind: 'fold', init: initFn, step: stepFn }).then((results) => {
      const chunks = results as A[];
      if (chunks.length === 0) return onCaller('fold', initFn) as Promise<A>;
      return combineOnCaller('fold', chunks.slice(1), chunks[0] as A, combineFn);
    });
  }

  /**
   * The sum of the values with `+` (numbers or bigints); 0 for an empty
   * chain. Chunks add in parallel, so a sum of fractional numbers may differ
   * in its last bits from a sequential loop, as in rayon.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par([1, 2, 3]).sum()); // 6
   * console.log(await par([1n, 2n]).sum()); // 3n
   * ```
   */
  sum(this: ParIter<number, C>): Promise<number>;
  sum(this: ParIter<bigint, C>): Promise<bigint>;
  sum(): Promise<unknown> {
    return this.#run('sum', { kind: 'sum' }).then((chunks) => {
      const parts = (chunks as number[][]).flat(1);
      if (parts.length === 0) return 0;
      let acc = parts[0] as number;
      for (let k = 1; k < parts.length; k++) acc += parts[k] as number;
      return acc;
    });
  }

  /**
   * The smallest value, by `compare` (default: `<`), or `undefined` for an
   * empty chain. Of equal values, the first in input order.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par([{ n: 2 }, { n: 1 }]).min((a, b) => a.n - b.n)); // { n: 1 }
   * ```
   */
  min(compare?: (a: T, b: T) => number): Promise<T | undefined> {
    return this.#extreme('min', compare);
  }

  /**
   * The largest value, by `compare` (default: `>`), or `undefined` for an
   * empty chain. Of equal values, the last in input order.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par(['pear', 'fig', 'apple']).max((a, b) => a.length - b.length)); // 'apple'
   * ```
   */
  max(compare?: (a: T, b: T) => number): Promise<T | undefined> {
    return this.#extreme('max', compare);
  }

  #extreme(kind: 'min' | 'max', compare: ((a: T, b: T) => number) | undefined): Promise<T | undefined> {
    const cmp = compare === undefined ? DEFAULT_COMPARE : this.#check(kind, 'compare', compare);
    return this.#run(kind, { kind, compare: cmp }).then(async (chunks) => {
      const parts = (chunks as T[][]).flat(1) as T[];
      if (parts.length === 0) return undefined;
      let acc = parts[0] as T;
      for (let k = 1; k < parts.length; k++) {
        const value = parts[k] as T;
        const c = (await onCaller(kind, cmp, value, acc)) as number;
        if (kind === 'min' ? c < 0 : c >= 0) acc = value;
      }
      return acc;
    });
  }

  /**
   * The number of values the chain yields.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par([1, 2, 3, 4]).filter((x) => x % 2 === 0).count()); // 2
   * ```
   */
  count(): Promise<number> {
    return this.#run('count', { kind: 'count' }).then((chunks) => {
      let n = 0;
      for (const c of chunks as number[]) n += c;
      return n;
    });
  }

  /**
   * The first value, in input order, for which `predicate` is truthy, or
   * `undefined` (rayon's `find_first`). Stops early: chunks after a match
   * are skipped, and running ones stop.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par([4, 9, 16, 25]).find((x) => x > 5)); // 9
   * ```
   */
  find<S extends T>(predicate: (item: T, index: number, context: C) => item is S): Promise<S | undefined>;
  find(predicate: (item: T, index: number, context: C) => unknown): Promise<T | undefined>;
  find(predicate: (item: T, index: number, context: C) => unknown): Promise<T | undefined> {
    return this.#search('find', predicate, 'first', false, true).then((hit) => (hit === null ? undefined : (hit.value as T)));
  }

  /**
   * The **source** index of the first value, in input order, for which
   * `predicate` is truthy, or -1. After `filter` or `flatMap` this is the
   * position in the source of the item the value came from (the `index`
   * every stage gets), not a position among the chain's values. Stops early.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par([3, 8, 5, 10]).filter((x) => x % 2 === 0).findIndex((x) => x > 8)); // 3
   * ```
   */
  findIndex(predicate: (item: T, index: number, context: C) => unknown): Promise<number> {
    return this.#search('findIndex', predicate, 'first', false, false).then((hit) => (hit === null ? -1 : hit.index));
  }

  /**
   * Whether `predicate` is truthy for any value (rayon's `any`). Stops as
   * soon as one is found.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par([1, 3, 4], { context: { k: 4 } }).some((x, _i, ctx) => x === ctx.k)); // true
   * ```
   */
  some(predicate: (item: T, index: number, context: C) => unknown): Promise<boolean> {
    return this.#search('some', predicate, 'any', false, false).then((hit) => hit !== null);
  }

  /**
   * Whether `predicate` is truthy for every value (rayon's `all`); true for
   * an empty chain. Stops as soon as one fails.
   *
   * @example
   * ```ts
   * import { par } from 'weftjs';
   * console.log(await par([2, 4, 7]).every((x) => x % 2 === 0)); // false
   * ```
   */
  every(predicate: (item: T, index: number, context: C) => unknown): Promise<boolean> {
    return this.#search('every', predicate, 'any', true, false).then((hit) => hit === null);
  }

  #search(name: string, predicate: unknown, mode: 'first' | 'any', negate: boolean, keepValue: boolean): Promise<SearchHit> {
    const checked = this.#check(name, 'predicate', predicate);
    if (this.#plan.items.length >= NOT_FOUND) {
      throw new RangeError(`par(...).${name}: a searching terminal takes at most ${NOT_FOUND - 1} source items, received ${this.#plan.items.length}`);
    }
    // Word 0: the lowest source index found so far; chunks above it skip, running chunks poll it and stop.
    const cell = new Int32Array(typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
    cell[0] = NOT_FOUND;
    return this.#run(name, { kind: 'search', predicate: checked, mode, negate, keepValue }, { cell }).then((chunks) => {
      let best: SearchHit = null;
      for (const hit of chunks as SearchHit[]) if (hit !== null && (best === null || hit.index < best.index)) best = hit;
      return best;
    });
  }
}

/**
 * Call a chain function on the calling thread, where chunk results are
 * merged: a module function is resolved here first (imported once), and an
 * async one awaited. A throw fails the call with a `TaskError` without an
 * index.
 */
async function onCaller(name: string, fn: ChainFunction, ...args: unknown[]): Promise<unknown> {
  try {
    const callable = (fn.module === undefined ? fn.fn : await resolveFunction(fn.module)) as (...a: unknown[]) => unknown;
    return await callable(...args);
  } catch (err) {
    throw new TaskError(`par(...).${name}: the function threw on the calling thread, merging the chunks' results: ${describeThrown(err)}`, err);
  }
}

/** Merge the chunks' results on the calling thread, in input order, with `fn(acc, part)`. */
async function combineOnCaller<A>(name: string, parts: readonly A[], start: A, fn: ChainFunction): Promise<A> {
  let acc = start;
  for (const part of parts) acc = (await onCaller(name, fn, acc, part)) as A;
  return acc;
}
