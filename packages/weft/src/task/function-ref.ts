/**
 * The one place a caller's function becomes a {@link FunctionRef}: a module
 * task by its reference, any other function by its checked source text, or
 * (where values pass by identity) the closure itself. `Pool.run`, `parallelMap`,
 * `par`, `fork` and the rest all come here, so a function is refused, or
 * accepted, the same way by every entry.
 *
 * @module
 */
import type { FunctionRef } from '../protocol.js';
import { checkFunction } from '../validate.js';
import { analyzeFunction } from './analyze-function.js';
import { moduleRefOf } from './define-task.js';

/** A reference a worker can load: everything but the closure itself. */
export type ShippableRef = Exclude<FunctionRef, { kind: 'closure' }>;

/** Per function object: a reused function is looked up, never analyzed twice. */
const byFunction = new WeakMap<object, ShippableRef>();

/**
 * Per source text: a fresh arrow on every call (`pool.run((x) => x + 1, i)`)
 * has the text of the last one, and whether a function captures anything is
 * decided by its text alone, so it is not parsed again.
 */
const bySource = new Map<string, ShippableRef>();

/** Texts kept in `bySource`; past it the cache starts again (the common case is a handful of call sites). */
const SOURCE_CACHE_LIMIT = 1024;

/**
 * The reference workers load `fn` by. A module task ({@link defineTask},
 * {@link fromModule}) goes by its module; any other function by its source
 * text, which must capture nothing: otherwise a `TypeError` names the
 * captured variables, prefixed with `where`.
 *
 * @throws TypeError when `fn` is not a function or captures a variable.
 *
 * @example
 * ```ts
 * shippableRef('Pool.run', (x: number) => x + 1); // { kind: 'source', source: '(x) => x + 1', form: 'expression' }
 * ```
 */
export function shippableRef(where: string, fn: unknown): ShippableRef {
  checkFunction(where, 'fn', fn);
  const known = byFunction.get(fn as object);
  if (known) return known;
  let ref: ShippableRef | undefined = moduleRefOf(fn);
  if (!ref) {
    const text = Function.prototype.toString.call(fn);
    ref = bySource.get(text);
    // A fresh function with known text: not remembered by object too (a WeakMap entry per call costs more than the lookup saves).
    if (ref) return ref;
    const analysis = analyzeFunction(fn as (...args: never[]) => unknown, `${where}: fn`);
    ref = { kind: 'source', source: analysis.source, form: analysis.form };
    if (bySource.size >= SOURCE_CACHE_LIMIT) bySource.clear();
    bySource.set(text, ref);
  }
  byFunction.set(fn as object, ref);
  return ref;
}

/**
 * `fn` as the backend takes it: the closure itself where threads share the
 * heap (`closures`), else {@link shippableRef}.
 *
 * @example
 * ```ts
 * functionRef('parallelMap', (x: number) => x * 2, false).kind; // 'source'
 * ```
 */
export function functionRef(where: string, fn: unknown, closures: boolean): FunctionRef {
  if (closures) {
    checkFunction(where, 'fn', fn);
    return moduleRefOf(fn) ?? { kind: 'closure', fn: fn as (...args: never[]) => unknown };
  }
  return shippableRef(where, fn);
}
