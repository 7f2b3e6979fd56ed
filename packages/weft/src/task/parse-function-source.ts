/**
 * Parse a function's source text the way a worker compiles it: as an
 * expression, `(${source})`, or as method shorthand, `({${source}})`.
 *
 * @module
 */
import type { CompileForm } from '../protocol.js';
export type { CompileForm } from '../protocol.js';
import { parse } from 'acorn';
import type { ArrowFunctionExpression, ClassExpression, Expression, FunctionExpression, Options } from 'acorn';


/**
 * A function's source, parsed the way the worker will compile it.
 *
 * @example
 * ```ts
 * const parsed: ParsedFunction | undefined = parseFunctionSource('scale(x) { return x * 2 }', 'method');
 * parsed?.node.type; // 'FunctionExpression'
 * parsed?.kind;      // 'init'
 * ```
 */
export interface ParsedFunction {
  readonly form: CompileForm;
  /** The function (or class, which Weft refuses) the source evaluates to. */
  readonly node: FunctionExpression | ArrowFunctionExpression | ClassExpression;
  /** A method's computed key: it is evaluated where the worker compiles the source. */
  readonly computedKey: Expression | undefined;
  /** `'get'` or `'set'` for an accessor's source (`get x() { ... }`). */
  readonly kind: 'init' | 'get' | 'set';
}


// `import.meta` would be a syntax error in a script; allowing module syntax
// everywhere lets it parse so that it can be refused with a precise message.
const PARSE_OPTIONS: Options = {
  ecmaVersion: 'latest',
  sourceType: 'script',
  allowAwaitOutsideFunction: false,
  allowImportExportEverywhere: true,
};

/**
 * Parse `source` wrapped for `form`: `(${source})` or `({${source}})`.
 * Undefined when it parses but is not a function in that form; throws acorn's
 * `SyntaxError` when it does not parse.
 *
 * @example
 * ```ts
 * parseFunctionSource('(x) => x + 1', 'expression')?.node.type; // 'ArrowFunctionExpression'
 * parseFunctionSource('get size() { return 1 }', 'method')?.kind; // 'get'
 * ```
 */
export function parseFunctionSource(source: string, form: CompileForm): ParsedFunction | undefined {
  const program = parse(form === 'expression' ? `(${source})` : `({${source}})`, PARSE_OPTIONS);
  const statement = program.body.length === 1 ? program.body[0] : undefined;
  if (statement?.type !== 'ExpressionStatement') return undefined;
  const expression = statement.expression;
  if (form === 'expression') {
    const isRoot =
      expression.type === 'FunctionExpression' ||
      expression.type === 'ArrowFunctionExpression' ||
      expression.type === 'ClassExpression';
    return isRoot ? { form, node: expression, computedKey: undefined, kind: 'init' } : undefined;
  }
  if (expression.type !== 'ObjectExpression' || expression.properties.length !== 1) return undefined;
  const property = expression.properties[0];
  if (property?.type !== 'Property' || property.value.type !== 'FunctionExpression') return undefined;
  if (!property.method && property.kind === 'init') return undefined;
  return { form, node: property.value, computedKey: property.computed ? property.key : undefined, kind: property.kind };
}

