/**
 * One step of a `par` chain, and the check every function passed to a chain
 * goes through at the call.
 *
 * @module
 */
import { analyzeFunction } from '../task/analyze-function.js';
import { moduleRefOf, type ModuleRef } from '../task/define-task.js';
import { checkFunction } from '../validate.js';

/** What a stage does with the value it receives. */
export type StageKind = 'map' | 'filter' | 'flatMap';

/** A user function a chain runs: the function itself and, where it travels as text, the expression that evaluates to it. */
export interface ChainFunction {
  readonly fn: (...args: never[]) => unknown;
  /** Source text that evaluates to the function in any realm; undefined where closures run as they are, and for module functions. */
  readonly expression: string | undefined;
  /** A module function (defineTask, fromModule): resolved by reference wherever the chunk runs. */
  readonly module?: ModuleRef;
  /** Its calls are awaited: an async function, or a module function (which may be one). */
  readonly awaited: boolean;
}

/** One stage of a chain. */
export interface Stage extends ChainFunction {
  readonly kind: StageKind;
}

/**
 * Check a function given to a chain, at the call. `what` names it in
 * messages (`par(...).map: fn`). On workers an inline function must capture
 * nothing (Weft's own check, with its message naming the captures); where
 * closures run as they are (`closures`), any function will do. Module
 * functions (`defineTask`, `fromModule`) are called by reference, as in
 * `parallelMap`. Async functions (and module functions, which may be async)
 * are awaited, item after item within a chunk.
 */
export function chainFunction(where: string, name: string, fn: unknown, closures: boolean): ChainFunction {
  checkFunction(where, name, fn);
  const what = `${where}: ${name}`;
  const sync = fn as (...args: never[]) => unknown;
  const module = moduleRefOf(fn);
  if (module !== undefined) return { fn: sync, expression: undefined, module, awaited: true };
  if (closures) return { fn: sync, expression: undefined, awaited: Object.prototype.toString.call(fn) === '[object AsyncFunction]' };
  const analysis = analyzeFunction(sync, what);
  const expression = analysis.form === 'expression' ? `(${analysis.source})` : `Object.values({${analysis.source}})[0]`;
  return { fn: sync, expression, awaited: analysis.async };
}
