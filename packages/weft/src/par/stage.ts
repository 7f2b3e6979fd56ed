/**
 * One step of a `par` chain, and the check every function passed to a chain
 * goes through at the call.
 *
 * @module
 */
import { analyzeFunction } from '../task/analyze-function.js';
import { moduleRefOf } from '../task/define-task.js';
import { checkFunction } from '../validate.js';

/** What a stage does with the value it receives. */
export type StageKind = 'map' | 'filter' | 'flatMap';

/** A user function a chain runs: the function itself and, where it travels as text, the expression that evaluates to it. */
export interface ChainFunction {
  readonly fn: (...args: never[]) => unknown;
  /** Source text that evaluates to the function in any realm; undefined where closures run as they are. */
  readonly expression: string | undefined;
}

/** One stage of a chain. */
export interface Stage extends ChainFunction {
  readonly kind: StageKind;
}

/**
 * Check a function given to a chain, at the call. `what` names it in
 * messages (`par(...).map: fn`). On workers it must capture nothing
 * (Weft's own check, with its message naming the captures); where closures
 * run as they are (`closures`), any synchronous function will do.
 * Module functions and async functions are refused everywhere, so that a
 * chain means the same on every backend.
 */
export function chainFunction(where: string, name: string, fn: unknown, closures: boolean): ChainFunction {
  checkFunction(where, name, fn);
  const what = `${where}: ${name}`;
  if (moduleRefOf(fn) !== undefined) {
    throw new TypeError(
      `${what}: module functions (defineTask, fromModule) cannot be stages of a par chain: a chain runs as one fused ` +
        'function, and a module function can only be called by reference. Use an inline function, or parallelMap(items, task) for that step',
    );
  }
  const sync = fn as (...args: never[]) => unknown;
  if (Object.prototype.toString.call(fn) === '[object AsyncFunction]') {
    throw new TypeError(`${what}: async functions cannot be used in a par chain: its stages run synchronously, one item after another in a chunk. Use parallelMap for async work`);
  }
  if (closures) return { fn: sync, expression: undefined };
  const analysis = analyzeFunction(sync, what);
  if (analysis.async) {
    throw new TypeError(`${what}: async functions cannot be used in a par chain: its stages run synchronously, one item after another in a chunk. Use parallelMap for async work`);
  }
  const expression = analysis.form === 'expression' ? `(${analysis.source})` : `Object.values({${analysis.source}})[0]`;
  return { fn: sync, expression };
}
