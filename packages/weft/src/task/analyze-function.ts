/**
 * Before Weft ships a user's function to a worker as source text, it checks
 * that the text means the same thing there: no outer (free) variables, no
 * outer `this`, `super`, `arguments` or `new.target`, no `import.meta`, and a
 * plain function rather than a class, generator, getter or native function.
 * Refusals are `TypeError`s thrown at the call, never failures in a worker.
 *
 * @module
 */
import { describeValue } from '../validate.js';
import { inspectFunction } from './find-free-variables.js';
import { parseFunctionSource, type CompileForm, type ParsedFunction } from './parse-function-source.js';

export { ALLOWED_GLOBALS } from './allowed-globals.js';
export { findFreeVariables } from './find-free-variables.js';
export type { CompileForm } from './parse-function-source.js';

/**
 * What {@link analyzeFunction} learned about a function it accepts.
 *
 * @example
 * ```ts
 * const analysis: FunctionAnalysis = analyzeFunction(async (x: number) => x * 2, 'example');
 * analysis.form;          // 'expression'
 * analysis.async;         // true
 * analysis.freeVariables; // []
 * ```
 */
export interface FunctionAnalysis {
  /** The function's source text, as `Function.prototype.toString` gives it. */
  readonly source: string;
  /** How the worker must compile `source`. */
  readonly form: CompileForm;
  /** Whether the function is `async`. */
  readonly async: boolean;
  /** Outer variables it refers to: sorted, unique, allowed globals excluded. Always empty for an accepted function. */
  readonly freeVariables: readonly string[];
}

/** The result of examining a source, cached: the analysis, or why it is refused (the message after `what: `). */
type Outcome = { readonly analysis: FunctionAnalysis; readonly refusal?: never } | { readonly refusal: string };

const CACHE_LIMIT = 500;
const outcomes = new Map<string, Outcome>();

// The whole source is `... { [native code] }` for native and bound functions
// (and callable proxies); the body of a real function cannot be that.
const NATIVE_SOURCE = /^[^{]*\{\s*\[native code\]\s*\}\s*$/;

function excerpt(source: string): string {
  return JSON.stringify(source.length > 80 ? `${source.slice(0, 80)}...` : source);
}

function examine(source: string): Outcome {
  if (NATIVE_SOURCE.test(source)) {
    return {
      refusal:
        `the function is a native or bound function (${excerpt(source)}), so it has no source text to send to a worker. ` +
        'Write the call inline in an arrow function instead, e.g. (x) => Math.sqrt(x) rather than Math.sqrt',
    };
  }
  let root: ParsedFunction | undefined;
  let parseError: string | undefined;
  for (const form of ['expression', 'method'] as const) {
    try {
      root = parseFunctionSource(source, form);
    } catch (err) {
      parseError ??= (err as Error).message;
    }
    if (root) break;
  }
  if (!root) {
    const why = parseError === undefined ? '' : ` (${parseError})`;
    return { refusal: `the function's source could not be parsed${why}, so it cannot be sent to a worker: ${excerpt(source)}` };
  }
  const node = root.node;
  if (node.type === 'ClassExpression') {
    return {
      refusal:
        'a class cannot be sent to a worker. Send a function instead, and define or import the class inside it, ' +
        'e.g. (item) => new Parser().parse(item) with Parser declared in the function',
    };
  }
  if (node.generator) {
    return { refusal: 'generator functions cannot be sent to a worker. Send a function that returns an array instead' };
  }
  if (root.kind !== 'init') {
    return { refusal: `a ${root.kind}ter cannot be sent to a worker. Send a plain function instead` };
  }
  const findings = inspectFunction(root);
  if (findings.unsupported !== undefined) {
    return { refusal: `the function's source contains ${findings.unsupported}, which cannot be sent to a worker` };
  }
  if (findings.usesImportMeta) {
    return {
      refusal:
        'the function uses import.meta, which is not available to a function compiled in a worker. ' +
        'Read the value outside and pass it through the `context` option',
    };
  }
  if (findings.usesOuterThis || findings.usesOuterSuper) {
    const keyword = findings.usesOuterThis ? 'this' : 'super';
    return {
      refusal:
        `the function uses \`${keyword}\`, which does not exist in a worker: methods of classes and objects that use ` +
        `\`${keyword}\`, and arrow functions written inside them, cannot be sent. Pass the data it needs through the \`context\` option instead`,
    };
  }
  if (findings.usesOuterNewTarget) {
    return { refusal: 'the arrow function uses new.target of an enclosing function, which does not exist in a worker' };
  }
  const freeVariables = findings.freeVariables;
  if (freeVariables.includes('arguments')) {
    return {
      refusal:
        'the arrow function uses `arguments` of an enclosing function, which does not exist in a worker. ' +
        'Declare rest parameters instead: (...args) => ...',
    };
  }
  if (freeVariables.length > 0) {
    const [first] = freeVariables;
    const list = freeVariables.join(', ');
    const subject = freeVariables.length === 1 ? `the outer variable ${list}, which does not` : `outer variables ${list}, which do not`;
    return {
      refusal:
        `the function refers to ${subject} exist in a worker. Pass ${freeVariables.length === 1 ? 'it' : 'them'} in instead: ` +
        `as an argument (pool.run(fn, ...args), fork(fn, ...args)), or through parallelMap's \`context\` option: ` +
        `parallelMap(items, (item, index, ctx) => ... ctx.${first} ..., { context: { ${list} } })`,
    };
  }
  return { analysis: Object.freeze({ source, form: root.form, async: node.async, freeVariables: Object.freeze([]) }) };
}

/**
 * Analyze `fn` before shipping it to a worker as source text. Throws a
 * `TypeError` whose message starts with `${what}: ` when it cannot be sent: it
 * refers to outer variables (each is named), uses an outer `this`, `super`,
 * `arguments` or `new.target`, uses `import.meta`, or is a native or bound
 * function, a class, a generator, a getter or a setter. Results are cached
 * by source text, so analyzing the same function again is a map lookup.
 *
 * @example
 * ```ts
 * analyzeFunction((x: number) => x * 2, 'parallelMap');
 * // { source: '(x) => x * 2', form: 'expression', async: false, freeVariables: [] }
 *
 * const factor = 3;
 * analyzeFunction((x: number) => x * factor, 'parallelMap');
 * // TypeError: parallelMap: the function refers to the outer variable factor, which does not exist in a worker. ...
 * ```
 */
export function analyzeFunction(fn: Function, what: string): FunctionAnalysis {
  if (typeof fn !== 'function') {
    throw new TypeError(`${what}: expected a function, received ${describeValue(fn)}`);
  }
  // The intrinsic, not `fn.toString()`: a function's own `toString` could say anything.
  const source = Function.prototype.toString.call(fn);
  let outcome = outcomes.get(source);
  if (outcome === undefined) {
    outcome = examine(source);
    if (outcomes.size >= CACHE_LIMIT) {
      const oldest = outcomes.keys().next();
      if (!oldest.done) outcomes.delete(oldest.value);
    }
    outcomes.set(source, outcome);
  }
  if (outcome.refusal !== undefined) throw new TypeError(`${what}: ${outcome.refusal}`);
  return outcome.analysis;
}
