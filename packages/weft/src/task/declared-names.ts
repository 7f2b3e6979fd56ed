/**
 * What a scope declares, for the scope analysis in `find-free-variables.ts`:
 * the names of a binding pattern, the `var`s and function declarations
 * hoisted to a function's scope, and a block's own `let`/`const`/`class`
 * names. Every scope records these before its references are resolved.
 *
 * @module
 */
import type { Pattern, Statement, FunctionDeclaration, VariableDeclaration } from 'acorn';

/** Add the names a binding pattern declares. */
export function declarePattern(pattern: Pattern, names: Set<string>): void {
  switch (pattern.type) {
    case 'Identifier':
      names.add(pattern.name);
      return;
    case 'ObjectPattern':
      for (const property of pattern.properties) {
        declarePattern(property.type === 'RestElement' ? property.argument : property.value, names);
      }
      return;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element) declarePattern(element, names);
      return;
    case 'RestElement':
      declarePattern(pattern.argument, names);
      return;
    case 'AssignmentPattern':
      declarePattern(pattern.left, names);
      return;
    case 'MemberExpression':
      return; // only in assignment targets, never declares
  }
}

/**
 * Add the names hoisted to the enclosing function: `var`s anywhere in its
 * statements, and function declarations in nested blocks (Annex B makes them
 * visible function-wide in sloppy code).
 */
export function hoistVars(statement: Statement | null | undefined, names: Set<string>): void {
  if (!statement) return;
  switch (statement.type) {
    case 'VariableDeclaration':
      if (statement.kind === 'var') for (const declarator of statement.declarations) declarePattern(declarator.id, names);
      return;
    case 'FunctionDeclaration':
      names.add(statement.id.name);
      return;
    case 'BlockStatement':
      for (const inner of statement.body) hoistVars(inner, names);
      return;
    case 'IfStatement':
      hoistVars(statement.consequent, names);
      hoistVars(statement.alternate, names);
      return;
    case 'ForStatement':
      if (statement.init?.type === 'VariableDeclaration') hoistVars(statement.init, names);
      hoistVars(statement.body, names);
      return;
    case 'ForInStatement':
    case 'ForOfStatement':
      if (statement.left.type === 'VariableDeclaration') hoistVars(statement.left, names);
      hoistVars(statement.body, names);
      return;
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'LabeledStatement':
    case 'WithStatement':
      hoistVars(statement.body, names);
      return;
    case 'TryStatement':
      hoistVars(statement.block, names);
      hoistVars(statement.handler?.body, names);
      hoistVars(statement.finalizer, names);
      return;
    case 'SwitchStatement':
      for (const switchCase of statement.cases) for (const inner of switchCase.consequent) hoistVars(inner, names);
      return;
    default:
      return;
  }
}

/** The names a statement list declares for its own block: `let`, `const`, `using`, classes and functions. */
export function declareLexical(statements: readonly Statement[], names: Set<string> = new Set()): Set<string> {
  for (const statement of statements) {
    if (statement.type === 'VariableDeclaration' && statement.kind !== 'var') {
      for (const declarator of statement.declarations) declarePattern(declarator.id, names);
    } else if (statement.type === 'ClassDeclaration' || statement.type === 'FunctionDeclaration') {
      names.add(statement.id.name);
    }
  }
  return names;
}

