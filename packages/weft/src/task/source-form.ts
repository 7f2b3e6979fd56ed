/**
 * How a function's source text is compiled back into a function: as an
 * expression (arrows, `function`), or in an object literal (methods).
 *
 * @module
 */

/**
 * The compile form of `fn`'s source: methods (`name() {}`) need the
 * object-literal form. No parse: for functions already accepted elsewhere
 * (a fork inside a task), where acorn is not loaded.
 *
 * @example
 * ```ts
 * sourceForm((x: number) => x); // 'expression'
 * sourceForm({ twice(x: number) { return 2 * x; } }.twice); // 'method'
 * ```
 */
export function sourceForm(fn: (...args: never[]) => unknown): 'expression' | 'method' {
  const source = Function.prototype.toString.call(fn).trimStart();
  return /^(async\s*)?(function\b|\(|[A-Za-z_$][\w$]*\s*=>)/.test(source) || /^async\s+[A-Za-z_$][\w$]*\s*=>/.test(source)
    ? 'expression'
    : 'method';
}
