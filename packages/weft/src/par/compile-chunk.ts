/**
 * The one function a `par` chain runs per chunk: every stage and the
 * terminal's step fused into a single loop over the chunk's source indices.
 *
 * Two forms from one template. For workers, the function is built from
 * source text that embeds each user function's own source (each was checked
 * to capture nothing), so the whole chunk function captures nothing and
 * travels like any `parallelMap` function. Where closures run as they are
 * (native threads), the same loop calls the user's closures.
 *
 * @module
 */
import type { ChainFunction, Stage } from './stage.js';

/** The terminal's work inside a chunk, and what the chunk returns. */
export type Sink =
  | { readonly kind: 'collect' }
  | { readonly kind: 'each'; readonly fn: ChainFunction }
  | { readonly kind: 'reduce'; readonly fn: ChainFunction }
  | { readonly kind: 'fold'; readonly init: ChainFunction; readonly step: ChainFunction }
  | { readonly kind: 'sum' }
  | { readonly kind: 'min' | 'max'; readonly compare: ChainFunction }
  | { readonly kind: 'count' }
  | {
      readonly kind: 'search';
      readonly predicate: ChainFunction;
      /** `'first'`: the lowest source index wins (find); `'any'`: any hit settles it (some, every). */
      readonly mode: 'first' | 'any';
      /** Search for the first item the predicate rejects (every). */
      readonly negate: boolean;
      /** Send the matching value back (find). */
      readonly keepValue: boolean;
    };

/** What a chunk function receives as its item: a range of source indices, with its items unless they are in `env.source`. */
export interface ChunkTask {
  readonly start: number;
  readonly end: number;
  readonly items?: ArrayLike<unknown>;
}

/** What a chunk function receives as its context. */
export interface ChunkEnv {
  /** The user's `context`, passed to every function as its third argument. */
  readonly context: unknown;
  /** The whole source, read in place (a typed array on shared memory, or anything on a shared heap). */
  readonly source?: ArrayLike<unknown>;
  /** search: word 0 is the lowest source index found so far, or `NOT_FOUND`. */
  readonly cell?: Int32Array;
  /** reduce: the identity each chunk starts from (copied per chunk when it is an object). */
  readonly identity?: unknown;
}

/** The thrown value's name, inside a chunk, for a failure of a user function at a source index. */
export const ITEM_FAILURE = 'WeftParItemFailure';
/** The property of that failure that holds the source index. */
export const ITEM_FAILURE_INDEX = 'weftParIndex';
/** The search cell's value before anything is found (no source index reaches it). */
export const NOT_FOUND = 0x7fffffff;
/** A running search chunk reads the cell once per this many source items. */
const POLL_EVERY = 16;

/** The default comparator of min and max: `<` and `>`, as source text and as a function. */
export const DEFAULT_COMPARE: ChainFunction = {
  fn: ((a: never, b: never) => (a < b ? -1 : a > b ? 1 : 0)) as (...args: never[]) => unknown,
  expression: '((a, b) => (a < b ? -1 : a > b ? 1 : 0))',
  awaited: false,
};

/** Where a chunk finds module functions: the resolver every Weft realm registers (runtime/resolve-function.ts). */
const RESOLVER = "globalThis[Symbol.for('weft.resolveFunction')]";

/** A call of the user function named `name` (`s0`, `t1`) in the chunk's code: awaited when that function is. */
type Call = (name: string, args: string) => string;

type ChunkFunction = (chunk: ChunkTask, chunkIndex: number, env: ChunkEnv) => unknown;

/** The user functions a sink calls, in the order its code names them `t0`, `t1`. */
export function sinkFunctions(sink: Sink): ChainFunction[] {
  switch (sink.kind) {
    case 'each':
    case 'reduce':
      return [sink.fn];
    case 'fold':
      return [sink.init, sink.step];
    case 'min':
    case 'max':
      return [sink.compare];
    case 'search':
      return [sink.predicate];
    default:
      return [];
  }
}

function sinkCode(sink: Sink, call: Call): { prelude: string; step: (v: string) => string; result: string } {
  switch (sink.kind) {
    case 'collect':
      return { prelude: 'const out = [];', step: (v) => `out.push(${v});`, result: 'out' };
    case 'each':
      return { prelude: '', step: (v) => `${call('t0', `${v}, i, ctx`)};`, result: '0' };
    case 'reduce':
      return {
        prelude: "let acc = env.identity; if (typeof acc === 'object' && acc !== null) acc = structuredClone(acc);",
        step: (v) => `acc = ${call('t0', `acc, ${v}`)};`,
        result: 'acc',
      };
    case 'fold':
      return { prelude: `let acc = ${call('t0', '')};`, step: (v) => `acc = ${call('t1', `acc, ${v}, i, ctx`)};`, result: 'acc' };
    case 'sum':
      return { prelude: 'let has = false; let acc;', step: (v) => `if (has) acc = acc + ${v}; else { acc = ${v}; has = true; }`, result: 'has ? [acc] : []' };
    case 'min':
    case 'max': {
      // min keeps the first of equal items, max the last (as Rust's Iterator::min and ::max).
      const replace = sink.kind === 'min' ? '< 0' : '>= 0';
      return {
        prelude: 'let has = false; let acc;',
        step: (v) => `if (!has) { acc = ${v}; has = true; } else if (${call('t0', `${v}, acc`)} ${replace}) acc = ${v};`,
        result: 'has ? [acc] : []',
      };
    }
    case 'count':
      return { prelude: 'let n = 0;', step: () => 'n++;', result: 'n' };
    case 'search': {
      const skipChunk = sink.mode === 'first' ? 'Atomics.load(cell, 0) < chunk.start' : `Atomics.load(cell, 0) !== ${NOT_FOUND}`;
      return {
        prelude: `const cell = env.cell; let hit = -1; let found; let poll = 1; if (${skipChunk}) return null;`,
        step: (v) =>
          `if (${sink.negate ? '!' : ''}${call('t0', `${v}, i, ctx`)}) {` +
          // Lower the cell to i unless a lower index is there already: later chunks skip, running ones stop.
          ` let seen = Atomics.load(cell, 0); while (i < seen) { const prev = Atomics.compareExchange(cell, 0, seen, i); if (prev === seen) break; seen = prev; }` +
          ` hit = i; ${sink.keepValue ? `found = ${v};` : ''} break outer; }`,
        result: sink.keepValue ? 'hit < 0 ? null : { index: hit, value: found }' : 'hit < 0 ? null : { index: hit }',
      };
    }
  }
}

function pollCode(sink: Sink): string {
  if (sink.kind !== 'search') return '';
  const stopped = sink.mode === 'first' ? 'Atomics.load(cell, 0) < i' : `Atomics.load(cell, 0) !== ${NOT_FOUND}`;
  return `if (--poll === 0) { poll = ${POLL_EVERY}; if (${stopped}) break outer; }`;
}

/** The loop body for stages `from..`: each stage nests the rest; a filter skips to the next value of the innermost loop. */
function stageCode(stages: readonly Stage[], from: number, value: string, sinkStep: (v: string) => string, call: Call): string {
  if (from === stages.length) return sinkStep(value);
  const stage = stages[from] as Stage;
  const next = `v${from + 1}`;
  const rest = (v: string): string => stageCode(stages, from + 1, v, sinkStep, call);
  switch (stage.kind) {
    case 'map':
      return `const ${next} = ${call(`s${from}`, `${value}, i, ctx`)}; ${rest(next)}`;
    case 'filter':
      return `if (!${call(`s${from}`, `${value}, i, ctx`)}) continue; ${rest(value)}`;
    case 'flatMap':
      // Like Array#flatMap: an array result is spread one level, anything else is one value.
      return (
        `const r${from} = ${call(`s${from}`, `${value}, i, ctx`)}; const a${from} = Array.isArray(r${from}) ? r${from} : [r${from}];` +
        ` for (let k${from} = 0; k${from} < a${from}.length; k${from}++) { const ${next} = a${from}[k${from}]; ${rest(next)} }`
      );
  }
}

function body(stages: readonly Stage[], sink: Sink, prelude: string, call: Call, async: boolean): string {
  const code = sinkCode(sink, call);
  // The loop lives in an inner function without try/catch: on V8 11 (Node 20), a try/catch in the
  // function that holds the loop made a cheap stage 3x slower. \`at.i\` tells the catch where it was.
  return `'use strict';
${prelude}
const ctx = env.context;
const at = { i: chunk.start };
const run = ${async ? 'async ' : ''}(at) => {
  const src = chunk.items !== undefined ? chunk.items : env.source;
  const base = chunk.items !== undefined ? chunk.start : 0;
  const end = chunk.end;
  ${code.prelude}
  outer: for (let i = chunk.start; i < end; i++) {
    at.i = i;
    ${pollCode(sink)}
    const v0 = src[i - base];
    ${stageCode(stages, 0, 'v0', code.step, call)}
  }
  return ${code.result};
};
try {
  return ${async ? 'await ' : ''}run(at);
} catch (error) {
  const failure = new Error('par: a chain function threw at source index ' + at.i, { cause: error });
  failure.name = '${ITEM_FAILURE}';
  failure.${ITEM_FAILURE_INDEX} = at.i;
  throw failure;
}`;
}

/** The statement that binds one user function to its name in the chunk's code. */
function binding(name: string, fn: ChainFunction, k: number, closures: boolean): string {
  // A module function is resolved where the chunk runs (imported once per worker, as for parallelMap).
  if (fn.module !== undefined) return `const ${name} = await ${RESOLVER}(${JSON.stringify(fn.module)});`;
  if (closures) return `const ${name} = fns[${k}];`;
  if (fn.expression === undefined) throw new Error(`internal: par chain function ${name} has no source text`);
  return `const ${name} = ${fn.expression};`;
}

/** The constructor of async functions (not a global). */
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as FunctionConstructor;

/**
 * The chunk function for a chain. With `closures`, it calls the user's
 * functions themselves; otherwise it is compiled from their source text and
 * captures nothing. It is async when any function is awaited (an async
 * function, or a module function): its calls are awaited one item after
 * another, and chunks still run in parallel.
 */
export function compileChunk(stages: readonly Stage[], sink: Sink, closures: boolean): ChunkFunction {
  const fns: ChainFunction[] = [...stages, ...sinkFunctions(sink)];
  const names = [...stages.map((_, k) => `s${k}`), ...sinkFunctions(sink).map((_, k) => `t${k}`)];
  const awaited = new Set(names.filter((_, k) => (fns[k] as ChainFunction).awaited));
  const async = awaited.size > 0;
  const call: Call = (name, args) => (awaited.has(name) ? `(await ${name}(${args}))` : `${name}(${args})`);
  const prelude = names.map((name, k) => binding(name, fns[k] as ChainFunction, k, closures)).join('\n');
  const code = body(stages, sink, prelude, call, async);
  if (closures) {
    const factory = new Function('fns', `return ${async ? 'async ' : ''}function parChunk(chunk, chunkIndex, env) {\n${code}\n};`) as (
      fns: readonly ((...args: never[]) => unknown)[],
    ) => ChunkFunction;
    return factory(fns.map((f) => f.fn));
  }
  return new (async ? AsyncFunction : Function)('chunk', 'chunkIndex', 'env', code) as ChunkFunction;
}
