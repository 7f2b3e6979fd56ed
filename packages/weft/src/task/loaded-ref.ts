/**
 * The reference of a function a worker already runs, for a fork of it.
 * Apart from `function-ref.ts`, which parses: workers never load the parser.
 *
 * @module
 */
import { moduleRefOf } from './define-task.js';
import type { ShippableRef } from './function-ref.js';
import { sourceForm } from './source-form.js';

/**
 * `fn`'s reference (compiled from a source that was checked where it was
 * sent, or loaded from its module): by its module, else by its text,
 * without analysing it again.
 *
 * @example
 * ```ts
 * loadedRef(fibInWorker); // { kind: 'source', source: '(n) => ...', form: 'expression' }
 * ```
 */
export function loadedRef(fn: (...args: never[]) => unknown): ShippableRef {
  return moduleRefOf(fn) ?? { kind: 'source', source: Function.prototype.toString.call(fn), form: sourceForm(fn) };
}
