/**
 * Scope analysis of a function's source text, for shipping it to a worker:
 * which outer variables it refers to, and whether it uses an outer `this`,
 * `super`, `new.target` or `import.meta`.
 *
 * The analysis is our own, over acorn's ESTree: every scope records the names
 * it declares (parameters, hoisted `var`s and function declarations,
 * block-scoped `let`/`const`/`class`) before its references are resolved, so
 * use-before-declaration and shadowing come out right.
 *
 * @module
 */
import type {
  ArrowFunctionExpression,
  ClassDeclaration,
  ClassExpression,
  Expression,
  FunctionDeclaration,
  FunctionExpression,
  Node,
  Pattern,
  PrivateIdentifier,
  SpreadElement,
  Statement,
  Super,
} from 'acorn';
import { ALLOWED_GLOBALS } from './allowed-globals.js';
import { parseFunctionSource, type CompileForm, type ParsedFunction } from './parse-function-source.js';
import { declareLexical, declarePattern, hoistVars } from './declared-names.js';

type FunctionNode = FunctionExpression | FunctionDeclaration | ArrowFunctionExpression;
type ClassNode = ClassExpression | ClassDeclaration;

interface Scope {
  readonly names: ReadonlySet<string>;
  readonly parent: Scope | undefined;
}

/**
 * Where `this` (and `super`, `new.target`) resolve from the current position:
 * `'outer'` outside any non-arrow function of the source (an arrow's body, a
 * method's computed key), `'root'` in the shipped function's own body,
 * `'nested'` inside a function or class written within it.
 */
type ThisContext = 'outer' | 'root' | 'nested';

/** One walk over a parsed function: resolves every reference and notes what cannot cross. */
class ScopeWalker {
  readonly free = new Set<string>();
  usesOuterThis = false;
  usesOuterSuper = false;
  usesOuterNewTarget = false;
  usesImportMeta = false;
  unsupported: string | undefined;
  private scope: Scope = { names: new Set(), parent: undefined };
  private thisContext: ThisContext = 'outer';

  private reference(name: string): void {
    for (let scope: Scope | undefined = this.scope; scope; scope = scope.parent) {
      if (scope.names.has(name)) return;
    }
    this.free.add(name);
  }

  /** Run `visit` in a child scope declaring `names` (and, when given, another `thisContext`). */
  private within(names: ReadonlySet<string>, visit: () => void, thisContext = this.thisContext): void {
    const saved = { scope: this.scope, thisContext: this.thisContext };
    this.scope = { names, parent: this.scope };
    this.thisContext = thisContext;
    visit();
    this.scope = saved.scope;
    this.thisContext = saved.thisContext;
  }

  visitFunction(fn: FunctionNode, isRoot: boolean): void {
    const ownName = new Set(fn.type === 'FunctionExpression' && fn.id ? [fn.id.name] : []);
    const names = new Set<string>();
    for (const param of fn.params) declarePattern(param, names);
    let thisContext = this.thisContext;
    if (fn.type !== 'ArrowFunctionExpression') {
      names.add('arguments');
      thisContext = isRoot ? 'root' : 'nested';
    }
    const body = fn.body;
    if (body.type === 'BlockStatement') {
      for (const statement of body.body) hoistVars(statement, names);
      declareLexical(body.body, names);
    }
    // A named function expression binds its own name, in a scope of its own
    // between the outside and its parameters.
    this.within(ownName, () => {
      this.within(names, () => {
        for (const param of fn.params) this.visitPattern(param, true);
        if (body.type === 'BlockStatement') this.visitStatements(body.body);
        else this.visitExpression(body);
      }, thisContext);
    });
  }

  visitClass(cls: ClassNode): void {
    this.within(new Set(cls.id ? [cls.id.name] : []), () => {
      if (cls.superClass) this.visitExpression(cls.superClass);
      for (const member of cls.body.body) {
        if (member.type === 'StaticBlock') {
          const names = declareLexical(member.body);
          for (const statement of member.body) hoistVars(statement, names);
          this.within(names, () => this.visitStatements(member.body), 'nested');
          continue;
        }
        if (member.computed) this.visitKey(member.key);
        if (member.type === 'MethodDefinition') this.visitFunction(member.value, false);
        else if (member.value) {
          const value = member.value;
          this.within(new Set(), () => this.visitExpression(value), 'nested');
        }
      }
    });
  }

  private visitStatements(statements: readonly Statement[]): void {
    for (const statement of statements) this.visitStatement(statement);
  }

  private visitStatement(statement: Statement): void {
    switch (statement.type) {
      case 'ExpressionStatement':
        return this.visitExpression(statement.expression);
      case 'BlockStatement':
        return this.within(declareLexical(statement.body), () => this.visitStatements(statement.body));
      case 'EmptyStatement':
      case 'DebuggerStatement':
      case 'BreakStatement':
      case 'ContinueStatement':
        return; // labels are not variables
      case 'LabeledStatement':
        return this.visitStatement(statement.body);
      case 'WithStatement':
        this.visitExpression(statement.object);
        return this.visitStatement(statement.body);
      case 'ReturnStatement':
        if (statement.argument) this.visitExpression(statement.argument);
        return;
      case 'ThrowStatement':
        return this.visitExpression(statement.argument);
      case 'IfStatement':
        this.visitExpression(statement.test);
        this.visitStatement(statement.consequent);
        if (statement.alternate) this.visitStatement(statement.alternate);
        return;
      case 'SwitchStatement': {
        this.visitExpression(statement.discriminant);
        const cases = statement.cases;
        return this.within(declareLexical(cases.flatMap((c) => c.consequent)), () => {
          for (const switchCase of cases) {
            if (switchCase.test) this.visitExpression(switchCase.test);
            this.visitStatements(switchCase.consequent);
          }
        });
      }
      case 'TryStatement': {
        this.visitStatement(statement.block);
        const handler = statement.handler;
        if (handler) {
          const param = handler.param;
          const names = new Set<string>();
          if (param) declarePattern(param, names);
          this.within(names, () => {
            if (param) this.visitPattern(param, true);
            this.visitStatement(handler.body);
          });
        }
        if (statement.finalizer) this.visitStatement(statement.finalizer);
        return;
      }
      case 'WhileStatement':
      case 'DoWhileStatement':
        this.visitExpression(statement.test);
        return this.visitStatement(statement.body);
      case 'ForStatement': {
        const { init, test, update, body } = statement;
        const names = init?.type === 'VariableDeclaration' ? declareLexical([init]) : new Set<string>();
        return this.within(names, () => {
          if (init?.type === 'VariableDeclaration') this.visitStatement(init);
          else if (init) this.visitExpression(init);
          if (test) this.visitExpression(test);
          if (update) this.visitExpression(update);
          this.visitStatement(body);
        });
      }
      case 'ForInStatement':
      case 'ForOfStatement': {
        const { left, right, body } = statement;
        const names = left.type === 'VariableDeclaration' ? declareLexical([left]) : new Set<string>();
        return this.within(names, () => {
          if (left.type === 'VariableDeclaration') this.visitStatement(left);
          else this.visitPattern(left, false);
          this.visitExpression(right);
          this.visitStatement(body);
        });
      }
      case 'VariableDeclaration':
        for (const declarator of statement.declarations) {
          this.visitPattern(declarator.id, true);
          if (declarator.init) this.visitExpression(declarator.init);
        }
        return;
      case 'FunctionDeclaration':
        return this.visitFunction(statement, false); // its name is declared by the enclosing block
      case 'ClassDeclaration':
        return this.visitClass(statement);
      default:
        // Module declarations parse (see PARSE_OPTIONS) but never occur in a real function's source.
        this.unsupported ??= (statement as Node).type;
    }
  }

  /** Visit a pattern: in a declaration (`binding`) its identifiers are declared elsewhere; in an assignment they are references. */
  private visitPattern(pattern: Pattern, binding: boolean): void {
    switch (pattern.type) {
      case 'Identifier':
        if (!binding) this.reference(pattern.name);
        return;
      case 'MemberExpression':
        return this.visitExpression(pattern);
      case 'ObjectPattern':
        for (const property of pattern.properties) {
          if (property.type === 'RestElement') {
            this.visitPattern(property.argument, binding);
          } else {
            if (property.computed) this.visitExpression(property.key);
            this.visitPattern(property.value, binding);
          }
        }
        return;
      case 'ArrayPattern':
        for (const element of pattern.elements) if (element) this.visitPattern(element, binding);
        return;
      case 'RestElement':
        return this.visitPattern(pattern.argument, binding);
      case 'AssignmentPattern':
        this.visitPattern(pattern.left, binding);
        return this.visitExpression(pattern.right);
    }
  }

  private visitKey(key: Expression | PrivateIdentifier): void {
    if (key.type !== 'PrivateIdentifier') this.visitExpression(key);
  }

  private visitOperand(operand: Expression | Super | SpreadElement): void {
    if (operand.type === 'Super') {
      if (this.thisContext !== 'nested') this.usesOuterSuper = true;
    } else if (operand.type === 'SpreadElement') {
      this.visitExpression(operand.argument);
    } else {
      this.visitExpression(operand);
    }
  }

  visitExpression(expression: Expression): void {
    const e = expression;
    switch (e.type) {
      case 'Identifier':
        return this.reference(e.name);
      case 'Literal':
        return;
      case 'ThisExpression':
        if (this.thisContext !== 'nested') this.usesOuterThis = true;
        return;
      case 'ArrayExpression':
        for (const element of e.elements) if (element) this.visitOperand(element);
        return;
      case 'ObjectExpression':
        for (const property of e.properties) {
          if (property.type === 'SpreadElement') {
            this.visitExpression(property.argument);
          } else {
            // Keys are names unless computed; a shorthand `{ a }` has the reference `a` as its value.
            if (property.computed) this.visitExpression(property.key);
            this.visitExpression(property.value);
          }
        }
        return;
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return this.visitFunction(e, false);
      case 'ClassExpression':
        return this.visitClass(e);
      case 'UnaryExpression': // `typeof x` still needs `x` in the worker
      case 'UpdateExpression':
      case 'AwaitExpression':
        return this.visitExpression(e.argument);
      case 'YieldExpression':
        if (e.argument) this.visitExpression(e.argument);
        return;
      case 'BinaryExpression':
        this.visitKey(e.left); // `#field in object`
        return this.visitExpression(e.right);
      case 'LogicalExpression':
        this.visitExpression(e.left);
        return this.visitExpression(e.right);
      case 'AssignmentExpression':
        this.visitPattern(e.left, false);
        return this.visitExpression(e.right);
      case 'MemberExpression':
        this.visitOperand(e.object);
        if (e.computed) this.visitKey(e.property);
        return;
      case 'ConditionalExpression':
        this.visitExpression(e.test);
        this.visitExpression(e.consequent);
        return this.visitExpression(e.alternate);
      case 'CallExpression':
      case 'NewExpression':
        this.visitOperand(e.callee);
        for (const argument of e.arguments) this.visitOperand(argument);
        return;
      case 'SequenceExpression':
        for (const inner of e.expressions) this.visitExpression(inner);
        return;
      case 'TemplateLiteral':
        for (const inner of e.expressions) this.visitExpression(inner);
        return;
      case 'TaggedTemplateExpression':
        this.visitExpression(e.tag);
        return this.visitExpression(e.quasi);
      case 'MetaProperty':
        if (e.meta.name === 'import') this.usesImportMeta = true;
        else if (this.thisContext === 'outer') this.usesOuterNewTarget = true;
        return;
      case 'ChainExpression':
      case 'ParenthesizedExpression':
        return this.visitExpression(e.expression);
      case 'ImportExpression':
        this.visitExpression(e.source);
        if (e.options) this.visitExpression(e.options);
        return;
      default:
        this.unsupported ??= (e as Node).type;
    }
  }
}


/**
 * What a function's source does that matters for running it in a worker.
 *
 * @example
 * ```ts
 * const parsed = parseFunctionSource('() => this.total + offset', 'expression');
 * const findings: FunctionFindings | undefined = parsed && inspectFunction(parsed);
 * findings?.freeVariables; // ['offset']
 * findings?.usesOuterThis; // true
 * ```
 */
export interface FunctionFindings {
  /** Outer variables it refers to: sorted, unique, {@link ALLOWED_GLOBALS} excluded. */
  readonly freeVariables: readonly string[];
  /** `this` of the shipped function itself, or of its surroundings (from an arrow function or a method's computed key). */
  readonly usesOuterThis: boolean;
  /** `super` outside any method written within the function. */
  readonly usesOuterSuper: boolean;
  /** `new.target` outside any non-arrow function of the source. */
  readonly usesOuterNewTarget: boolean;
  readonly usesImportMeta: boolean;
  /** The node type of syntax no real function source contains (module declarations), if any. */
  readonly unsupported: string | undefined;
}

/**
 * Resolve every reference in a parsed function and note what cannot cross to
 * a worker. `arguments` is a free variable when it is not inside a non-arrow
 * function of the source.
 *
 * @example
 * ```ts
 * const parsed = parseFunctionSource('function fact(n) { return n ? n * fact(n - 1) : 1 }', 'expression');
 * parsed && inspectFunction(parsed).freeVariables; // []
 * ```
 */
export function inspectFunction(parsed: ParsedFunction): FunctionFindings {
  const walker = new ScopeWalker();
  // A computed method key is evaluated in the worker's scope, outside the method.
  if (parsed.computedKey) walker.visitExpression(parsed.computedKey);
  if (parsed.node.type === 'ClassExpression') walker.visitClass(parsed.node);
  else walker.visitFunction(parsed.node, true);
  return {
    freeVariables: [...walker.free].filter((name) => !ALLOWED_GLOBALS.has(name)).sort(),
    usesOuterThis: walker.usesOuterThis,
    usesOuterSuper: walker.usesOuterSuper,
    usesOuterNewTarget: walker.usesOuterNewTarget,
    usesImportMeta: walker.usesImportMeta,
    unsupported: walker.unsupported,
  };
}

/**
 * The outer variables that the function whose source is `source`, compiled in
 * `form`, refers to: sorted, unique, {@link ALLOWED_GLOBALS} excluded.
 * Throws `TypeError` when `source` is not a function in that form.
 *
 * @example
 * ```ts
 * findFreeVariables('(x) => x * factor + Math.PI', 'expression'); // ['factor']
 * findFreeVariables('scale(x) { return x * factor; }', 'method'); // ['factor']
 * findFreeVariables('function fact(n) { return n ? n * fact(n - 1) : 1 }', 'expression'); // []
 * ```
 */
export function findFreeVariables(source: string, form: CompileForm): string[] {
  let parsed: ParsedFunction | undefined;
  try {
    parsed = parseFunctionSource(source, form);
  } catch (err) {
    throw new TypeError(`findFreeVariables: the source could not be parsed in ${form} form: ${(err as Error).message}`);
  }
  if (!parsed) throw new TypeError(`findFreeVariables: the source is not a function in ${form} form`);
  return [...inspectFunction(parsed).freeVariables];
}
