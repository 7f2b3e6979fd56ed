import { describe, it, expect } from 'vitest';
import { parse } from 'acorn';
import {
  ALLOWED_GLOBALS,
  analyzeFunction,
  findFreeVariables,
  type FunctionAnalysis,
} from '../../src/task/analyze-function.js';

// Sources are mostly written as strings: vitest rewrites real functions
// (imports become `__vite_ssr_import_0__.name`), and a string says exactly
// what is analyzed.
const expr = (source: string): string[] => findFreeVariables(source, 'expression');
const method = (source: string): string[] => findFreeVariables(source, 'method');

/** A real function whose source text is `source` (compiled at global scope). */
function fromSource(source: string): Function {
  return (0, eval)(`(${source})`) as Function;
}

/** A real method whose source text is `source`. */
function fromMethod(source: string): Function {
  const holder = (0, eval)(`({${source}})`) as Record<PropertyKey, Function>;
  const key = Reflect.ownKeys(holder)[0];
  if (key === undefined) throw new Error('no method');
  const descriptor = Object.getOwnPropertyDescriptor(holder, key);
  return (descriptor?.value ?? descriptor?.get ?? descriptor?.set) as Function;
}

/** The message of the TypeError that analyzeFunction throws for `fn`. */
function refusal(fn: unknown, what = 'parallelMap'): string {
  try {
    analyzeFunction(fn as Function, what);
  } catch (err) {
    expect(err).toBeInstanceOf(TypeError);
    const message = (err as TypeError).message;
    expect(message.startsWith(`${what}: `)).toBe(true);
    return message;
  }
  throw new Error('expected analyzeFunction to refuse the function');
}

/** Compile an analysis the way the worker does, with `__name` defined. */
function compileLikeWorker(analysis: FunctionAnalysis): (...args: unknown[]) => unknown {
  const body =
    analysis.form === 'expression'
      ? `return (${analysis.source});`
      : `const o = ({${analysis.source}}); return o[Reflect.ownKeys(o)[0]];`;
  const nameHelper = <F>(fn: F): F => fn;
  return new Function('__name', body)(nameHelper) as (...args: unknown[]) => unknown;
}

describe('findFreeVariables: closures and shadowing', () => {
  it('reports a captured const', () => {
    expect(expr('(x) => x * factor')).toEqual(['factor']);
  });

  it('reports captured lets that are updated and assigned', () => {
    expect(expr('() => { count++; total += 1; }')).toEqual(['count', 'total']);
  });

  it('reports a module-level import name', () => {
    expect(expr('(s) => parse(s, { ecmaVersion: 2020 })')).toEqual(['parse']);
  });

  it('does not report a parameter that shadows an outer name', () => {
    expect(expr('(factor) => factor * 2')).toEqual([]);
  });

  it('returns names sorted and unique', () => {
    expect(expr('() => b + a + b + c + a')).toEqual(['a', 'b', 'c']);
  });

  it('reports CommonJS and page globals, which workers lack', () => {
    expect(expr('() => [require, module, exports, __dirname, __filename, window, document]')).toEqual([
      '__dirname',
      '__filename',
      'document',
      'exports',
      'module',
      'require',
      'window',
    ]);
  });
});

describe('findFreeVariables: declarations and scopes', () => {
  it('keeps let out of the block that declares it', () => {
    expect(expr('() => { { let a = 1; } return a; }')).toEqual(['a']);
  });

  it('resolves a const inside its own block', () => {
    expect(expr('() => { { const a = 1; return a; } }')).toEqual([]);
  });

  it('hoists var to the function scope, even when used first', () => {
    expect(expr('() => { a = 1; if (true) { var a; } return a; }')).toEqual([]);
  });

  it('keeps a var in a for head visible after the loop, but not a let', () => {
    expect(expr('() => { for (var i = 0; i < 3; i++) {} return i; }')).toEqual([]);
    expect(expr('() => { for (let j = 0; j < 3; j++) {} return j; }')).toEqual(['j']);
  });

  it('hoists function declarations in their function', () => {
    expect(expr('() => { return helper(1); function helper(x) { return x; } }')).toEqual([]);
  });

  it('makes a function declared in a block visible function-wide (Annex B)', () => {
    expect(expr('() => { if (true) { function g() {} } return g(); }')).toEqual([]);
  });

  it('keeps a class declaration in its block', () => {
    expect(expr('() => { { class A {} } return new A(); }')).toEqual(['A']);
  });

  it('declares every name of destructured and rest parameters', () => {
    expect(expr('({ a, b: [c, ...d], ...e }, [f = 1] = [], ...rest) => [a, c, d, e, f, rest]')).toEqual([]);
  });

  it('lets defaults refer to earlier parameters', () => {
    expect(expr('(a, b = a * 2, { c } = { c: b }) => a + b + c')).toEqual([]);
  });

  it('reports outer names used in defaults', () => {
    expect(expr('(a, b = limit) => a + b')).toEqual(['limit']);
  });

  it('declares catch parameters in their clause only', () => {
    expect(expr('() => { try { run(); } catch (err) { return err; } }')).toEqual(['run']);
    expect(expr('() => { try {} catch (e) {} return e; }')).toEqual(['e']);
  });

  it('declares destructured catch parameters and checks their defaults', () => {
    expect(expr('() => { try {} catch ({ message, code = fallback }) { return message + code; } }')).toEqual([
      'fallback',
    ]);
  });

  it('declares for-of and for-in heads', () => {
    expect(expr('(items) => { let s = 0; for (const [k, v] of items) s += k + v; return s; }')).toEqual([]);
    expect(expr('(o) => { for (const key in o) key; }')).toEqual([]);
  });

  it('reports an outer variable assigned by a for-in head', () => {
    expect(expr('(o) => { for (key in o) {} }')).toEqual(['key']);
  });

  it('does not treat labels as variables', () => {
    expect(expr('() => { outer: for (;;) { inner: for (;;) { if (1) break outer; continue inner; } } }')).toEqual([]);
  });

  it('scopes lexical declarations of a switch to its cases', () => {
    expect(expr('(x) => { switch (x) { case 1: let y = 2; return y; default: return z; } }')).toEqual(['z']);
  });

  it('resolves names in nested functions through the enclosing scopes', () => {
    expect(expr('(x) => { function inner(y) { const w = 1; return x + y + w + z; } return inner(1); }')).toEqual(['z']);
  });
});

describe('findFreeVariables: expressions', () => {
  it('does not treat member property names as references', () => {
    expect(expr('(o) => o.foo.bar + o?.baz')).toEqual([]);
  });

  it('treats a computed member as a reference', () => {
    expect(expr('(o) => o[key]')).toEqual(['key']);
  });

  it('does not treat object keys as references', () => {
    expect(expr("() => ({ foo: 1, 'bar': 2, 3: 4, get g() { return 1; }, m() {} })")).toEqual([]);
  });

  it('treats shorthand properties as references', () => {
    expect(expr('() => ({ a, b })')).toEqual(['a', 'b']);
  });

  it('treats computed keys as references', () => {
    expect(expr('() => ({ [name]: 1, [other]() {} })')).toEqual(['name', 'other']);
  });

  it('treats the targets of destructuring assignments as references', () => {
    expect(expr('() => { [a, b] = [b, a]; ({ c, d: e, ...f } = {}); }')).toEqual(['a', 'b', 'c', 'e', 'f']);
  });

  it('reads template literal and tagged template expressions', () => {
    expect(expr('(x) => tag`${x} and ${y}`')).toEqual(['tag', 'y']);
  });

  it('reads optional calls and optional computed members', () => {
    expect(expr('(o) => o?.f?.(arg)?.[idx]')).toEqual(['arg', 'idx']);
  });

  it('reports a name tested with typeof', () => {
    expect(expr("() => typeof foo === 'undefined'")).toEqual(['foo']);
  });

  it('reads the operands of await, spread and new', () => {
    expect(expr('async (x) => new Thing(...(await load(x)))')).toEqual(['Thing', 'load']);
  });

  it('allows dynamic import, reporting only its specifier', () => {
    expect(expr('(x) => import(x)')).toEqual([]);
    expect(expr('() => import(spec)')).toEqual(['spec']);
  });
});

describe('findFreeVariables: functions and classes', () => {
  it('binds the name of a named function expression inside it', () => {
    expect(expr('function fact(n) { return n ? n * fact(n - 1) : 1; }')).toEqual([]);
  });

  it('does not bind a method name: the method form has no such variable', () => {
    expect(method('fact(n) { return n ? n * fact(n - 1) : 1; }')).toEqual(['fact']);
  });

  it('reports references in a method computed key', () => {
    expect(method('[key](x) { return x; }')).toEqual(['key']);
  });

  it('binds a class expression name, methods and fields inside it', () => {
    const source =
      '() => { const C = class Named extends Base { static s = Named; #p = 1; m() { return this.#p + Named.s; } }; return C; }';
    expect(expr(source)).toEqual(['Base']);
  });

  it('reads computed class keys, field values and static blocks', () => {
    expect(expr('() => class { [k] = v; static { let t = w; var u = t; } }')).toEqual(['k', 'v', 'w']);
  });

  it('handles private names in `#x in o` checks', () => {
    expect(expr('() => class { #x; static has(o) { return #x in o; } }')).toEqual([]);
  });

  it('binds arguments in non-arrow functions only', () => {
    expect(expr('function () { return arguments.length; }')).toEqual([]);
    expect(expr('function () { return () => arguments[0]; }')).toEqual([]);
    expect(expr('() => arguments[0]')).toEqual(['arguments']);
  });

  it('does not report allowed globals', () => {
    const source =
      '() => [Math.max(1, 2), JSON.parse("1"), Atomics.load(new Int32Array(1), 0), console, globalThis, undefined, NaN, structuredClone, process, Buffer]';
    expect(expr(source)).toEqual([]);
  });

  it('allows the __name helper that esbuild keepNames inject', () => {
    expect(expr('() => { const f = __name(() => 1, "f"); return f(); }')).toEqual([]);
  });

  it('throws a TypeError for a source that is not a function in that form', () => {
    expect(() => expr('1 + 2')).toThrow(TypeError);
    expect(() => expr('m() {}')).toThrow(TypeError);
    expect(() => method('(x) => x')).toThrow(TypeError);
  });
});

describe('analyzeFunction: accepted functions', () => {
  it('accepts an arrow function in expression form', () => {
    const fn = (x: number): number => x * 2;
    const analysis = analyzeFunction(fn, 'parallelMap');
    expect(analysis).toEqual({ source: fn.toString(), form: 'expression', async: false, freeVariables: [] });
    expect(compileLikeWorker(analysis)(21)).toBe(42);
  });

  it('marks async functions', () => {
    const analysis = analyzeFunction(async (x: number) => x + 1, 'parallelMap');
    expect(analysis.async).toBe(true);
    expect(analysis.form).toBe('expression');
  });

  it('accepts method shorthand in method form', () => {
    const analysis = analyzeFunction({ m(x: number) { return x + 1; } }.m, 'parallelMap');
    expect(analysis.form).toBe('method');
    expect(analysis.async).toBe(false);
    expect(compileLikeWorker(analysis)(1)).toBe(2);
  });

  it('accepts async methods', async () => {
    const analysis = analyzeFunction(fromMethod('async double(x) { return x * 2; }'), 'parallelMap');
    expect(analysis).toMatchObject({ form: 'method', async: true });
    await expect(compileLikeWorker(analysis)(4)).resolves.toBe(8);
  });

  it('accepts computed-key and quoted-key methods', () => {
    const computed = analyzeFunction(fromMethod("['computed'](x) { return -x; }"), 'parallelMap');
    expect(computed.source).toBe("['computed'](x) { return -x; }");
    expect(computed.form).toBe('method');
    expect(compileLikeWorker(computed)(3)).toBe(-3);
    const quoted = analyzeFunction(fromMethod('"quoted key"(x) { return x; }'), 'parallelMap');
    expect(quoted.form).toBe('method');
  });

  it('accepts methods named like keywords that look like other syntax', () => {
    expect(analyzeFunction(fromMethod('async(x) { return x; }'), 'parallelMap')).toMatchObject({ form: 'method', async: false });
    expect(analyzeFunction(fromMethod('get(x) { return x; }'), 'parallelMap').form).toBe('method');
  });

  it('accepts a function declaration and a named function expression that recurses', () => {
    function fact(n: number): number {
      return n <= 1 ? 1 : n * fact(n - 1);
    }
    const analysis = analyzeFunction(fact, 'parallelMap');
    expect(analysis.form).toBe('expression');
    expect(compileLikeWorker(analysis)(5)).toBe(120);
  });

  it('accepts `this` inside nested classes and nested non-arrow functions', () => {
    const fn = fromSource(
      '(x) => { class Box { constructor(v) { this.v = v; } get() { return this.v; } } function F() { this.y = 1; } return new Box(x).get() + new F().y; }',
    );
    expect(compileLikeWorker(analyzeFunction(fn, 'parallelMap'))(2)).toBe(3);
  });

  it('accepts arguments and new.target inside a non-arrow function', () => {
    const fn = fromSource('function () { return [arguments.length, new.target === undefined]; }');
    expect(compileLikeWorker(analyzeFunction(fn, 'parallelMap'))(1, 2)).toEqual([2, true]);
  });

  it('accepts __name calls and allowed globals', () => {
    const fn = fromSource('(x) => { const f = __name((y) => Math.max(y, 0), "f"); return JSON.stringify(f(x)); }');
    expect(compileLikeWorker(analyzeFunction(fn, 'parallelMap'))(-1)).toBe('0');
  });
});

describe('analyzeFunction: refusals', () => {
  it('refuses a closure and says how to pass the variable instead', () => {
    const factor = 3;
    const message = refusal((x: number) => x * factor);
    expect(message).toContain('the outer variable factor, which does not exist in a worker');
    expect(message).toContain('context');
    expect(message).toContain('ctx.factor');
    expect(message).toContain('{ context: { factor } }');
  });

  it('names every free variable', () => {
    const message = refusal(fromSource('(x) => alpha + beta * x - gamma'));
    expect(message).toContain('outer variables alpha, beta, gamma, which do not exist in a worker');
    expect(message).toContain('{ context: { alpha, beta, gamma } }');
  });

  it('refuses a real function that uses a module-level import', () => {
    expect(refusal((s: string) => parse(s, { ecmaVersion: 2020 }))).toContain('refers to');
  });

  it('refuses an arrow function that uses the outer this', () => {
    expect(refusal(fromSource('() => this.x'))).toContain('uses `this`');
  });

  it('refuses a function expression that uses this', () => {
    expect(refusal(fromSource('function () { return this.x; }'))).toContain('uses `this`');
  });

  it('refuses object and class methods that use this', () => {
    expect(refusal({ v: 1, m() { return this.v; } }.m)).toContain('uses `this`');
    class Counter {
      count = 0;
      bump(): number {
        return ++this.count;
      }
    }
    expect(refusal(Counter.prototype.bump)).toContain('uses `this`');
  });

  it('refuses this in a computed method key, which the worker evaluates', () => {
    expect(refusal(fromMethod('[this.name]() { return 1; }'))).toContain('uses `this`');
  });

  it('refuses super', () => {
    expect(refusal(fromMethod('m() { return super.toString(); }'))).toContain('uses `super`');
  });

  it('refuses an arrow function that uses the outer arguments', () => {
    const message = refusal(fromSource('() => arguments[0]'));
    expect(message).toContain('`arguments`');
    expect(message).toContain('rest parameters');
  });

  it('refuses an arrow function that uses the outer new.target', () => {
    const inner = (0, eval)('(function () { return () => new.target; })')() as Function;
    expect(refusal(inner)).toContain('new.target');
  });

  it('refuses import.meta', async () => {
    // A real ES module: functions compiled from strings cannot contain import.meta.
    const url = 'data:text/javascript,export default () => import.meta.url';
    const mod = (await import(/* @vite-ignore */ url)) as { default: Function };
    expect(refusal(mod.default)).toContain('import.meta');
  });

  it('refuses native functions and suggests an inline arrow function', () => {
    const message = refusal(Math.max);
    expect(message).toContain('native or bound function');
    expect(message).toContain('function max() { [native code] }');
    expect(message).toContain('=>');
  });

  it('refuses bound functions and callable proxies', () => {
    const plain = (x: number): number => x;
    expect(refusal(plain.bind(null))).toContain('native or bound function');
    expect(refusal(new Proxy(plain, {}))).toContain('native or bound function');
  });

  it('does not mistake a string that mentions native code for a native function', () => {
    expect(analyzeFunction(() => '{ [native code] }', 'parallelMap').form).toBe('expression');
  });

  it('refuses classes', () => {
    expect(refusal(class Parser {})).toContain('a class cannot be sent');
    expect(refusal(fromSource('class { m() {} }'))).toContain('a class cannot be sent');
  });

  it('refuses generator functions and generator methods', () => {
    expect(refusal(fromSource('function* g() { yield 1; }'))).toContain('generator functions');
    expect(refusal(fromSource('async function* g() { yield 1; }'))).toContain('generator functions');
    expect(refusal(fromMethod('*gen() { yield 1; }'))).toContain('generator functions');
  });

  it('refuses getters and setters', () => {
    expect(refusal(fromMethod('get size() { return 1; }'))).toContain('a getter cannot be sent');
    expect(refusal(fromMethod('set size(v) {}'))).toContain('a setter cannot be sent');
  });

  it('refuses a source it cannot parse, quoting its start', () => {
    const holder = (0, eval)('(class { static #secret() { return 1; } static get() { return this.#secret; } })') as {
      get(): Function;
    };
    const message = refusal(holder.get());
    expect(message).toContain('could not be parsed');
    expect(message).toContain('#secret()');
  });

  it('refuses a value that is not a function, saying what it received', () => {
    expect(refusal(42)).toBe('parallelMap: expected a function, received a number (42)');
  });
});

describe('analyzeFunction: caching', () => {
  it('returns the same analysis object for the same function', () => {
    const fn = (x: number): number => x + 100;
    expect(analyzeFunction(fn, 'a')).toBe(analyzeFunction(fn, 'b'));
  });

  it('returns the same analysis object for different functions with the same source', () => {
    const make = (): ((x: number) => number) => (x: number) => x - 100;
    const first = make();
    const second = make();
    expect(first).not.toBe(second);
    expect(analyzeFunction(first, 'a')).toBe(analyzeFunction(second, 'a'));
  });

  it('caches refusals but names the current caller in each message', () => {
    const fn = fromSource('(x) => x + cachedOuter');
    expect(refusal(fn, 'first')).toMatch(/^first: .*cachedOuter/);
    expect(refusal(fn, 'second')).toMatch(/^second: .*cachedOuter/);
  });

  it('stays bounded: an old entry is analyzed afresh after many others', () => {
    const oldest = fromSource('(x) => x * 7001');
    const before = analyzeFunction(oldest, 'a');
    for (let i = 0; i < 600; i++) analyzeFunction(fromSource(`(x) => x + ${i + 10_000}`), 'a');
    const after = analyzeFunction(oldest, 'a');
    expect(after).not.toBe(before);
    expect(after).toEqual(before);
  });

  it('freezes analyses so a cached one cannot be changed', () => {
    const analysis = analyzeFunction((x: number) => x / 3, 'a');
    expect(Object.isFrozen(analysis)).toBe(true);
    expect(Object.isFrozen(analysis.freeVariables)).toBe(true);
  });
});

describe('ALLOWED_GLOBALS', () => {
  it('holds the ECMAScript globals', () => {
    for (const name of [
      'Object', 'Array', 'Math', 'JSON', 'Promise', 'Map', 'WeakRef', 'FinalizationRegistry', 'BigInt',
      'AggregateError', 'SharedArrayBuffer', 'BigUint64Array', 'Uint8ClampedArray', 'Atomics', 'Reflect',
      'Proxy', 'Intl', 'globalThis', 'undefined', 'NaN', 'Infinity', 'decodeURIComponent', 'eval', 'Iterator',
    ]) {
      expect(ALLOWED_GLOBALS.has(name), name).toBe(true);
    }
  });

  it('holds the web and worker globals and the runtime globals', () => {
    for (const name of [
      'console', 'setTimeout', 'queueMicrotask', 'structuredClone', 'performance', 'crypto', 'TextEncoder',
      'URL', 'AbortController', 'fetch', 'Blob', 'atob', 'WebAssembly', 'navigator', 'self', 'MessageChannel',
      'BroadcastChannel', 'ReadableStream', 'CompressionStream', 'DOMException', 'FormData',
      'process', 'Buffer', 'Bun', 'Deno', '__name',
    ]) {
      expect(ALLOWED_GLOBALS.has(name), name).toBe(true);
    }
  });

  it('leaves out names that do not exist in a worker', () => {
    for (const name of ['require', 'module', 'exports', '__dirname', '__filename', 'window', 'document', 'postMessage', 'Worker']) {
      expect(ALLOWED_GLOBALS.has(name), name).toBe(false);
    }
  });

  it('lists only names this runtime defines, apart from newer and other-runtime ones', () => {
    // Newer ECMAScript, other runtimes, browser workers (and Node >= 21), and the bundler helper.
    const elsewhere = new Set([
      'Iterator', 'Float16Array', 'DisposableStack', 'AsyncDisposableStack', 'SuppressedError',
      'Bun', 'Deno', 'self', 'navigator', '__name',
    ]);
    const missing = [...ALLOWED_GLOBALS].filter((name) => !elsewhere.has(name) && !(name in globalThis));
    expect(missing).toEqual([]);
  });
});
