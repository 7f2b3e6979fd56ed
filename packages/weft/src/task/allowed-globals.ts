/**
 * The global names a function shipped to a worker as source text may use
 * without passing them in. Anything else it refers to from outside itself is
 * an outer variable, which does not exist in the worker.
 *
 * @module
 */

/** Globals of the ECMAScript standard library (ES2024, plus newer ones where the runtime has them). */
const ECMASCRIPT_GLOBALS = [
  'globalThis', 'undefined', 'NaN', 'Infinity',
  'eval', 'isNaN', 'isFinite', 'parseInt', 'parseFloat',
  'encodeURI', 'encodeURIComponent', 'decodeURI', 'decodeURIComponent', 'escape', 'unescape',
  'Object', 'Function', 'Boolean', 'Symbol', 'Number', 'BigInt', 'String', 'Math', 'Date', 'RegExp', 'JSON',
  'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'SuppressedError',
  'Array', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry',
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Atomics',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'Promise', 'Proxy', 'Reflect', 'Intl', 'Iterator', 'DisposableStack', 'AsyncDisposableStack',
] as const;

/** Web and worker globals that Node, Bun, Deno and browser workers all provide. */
const WEB_GLOBALS = [
  'self', 'navigator', 'console', 'performance', 'crypto', 'WebAssembly',
  'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'structuredClone',
  'atob', 'btoa', 'TextEncoder', 'TextDecoder', 'TextEncoderStream', 'TextDecoderStream',
  'URL', 'URLSearchParams', 'AbortController', 'AbortSignal',
  'Event', 'EventTarget', 'CustomEvent', 'MessageEvent', 'DOMException',
  'MessageChannel', 'MessagePort', 'BroadcastChannel',
  'fetch', 'Request', 'Response', 'Headers', 'FormData', 'Blob', 'File',
  'ReadableStream', 'ReadableStreamDefaultReader', 'WritableStream', 'WritableStreamDefaultWriter',
  'TransformStream', 'ByteLengthQueuingStrategy', 'CountQueuingStrategy',
  'CompressionStream', 'DecompressionStream',
  'Crypto', 'CryptoKey', 'SubtleCrypto',
] as const;

/**
 * Globals of one runtime, present in that runtime's workers (a function using
 * `Bun` only works on Bun, as it would outside Weft), and `__name`, the helper
 * that tsx/esbuild's `keepNames` inject into function bodies: the worker
 * defines it.
 */
const RUNTIME_GLOBALS = ['process', 'Buffer', 'setImmediate', 'clearImmediate', 'Bun', 'Deno', '__name'] as const;

/**
 * Names a shipped function may use without passing them in: the ECMAScript
 * globals, the web/worker globals present in Node, Bun, Deno and browser
 * workers, the runtime globals `process`, `Buffer`, `Bun` and `Deno`, and
 * the bundler helper `__name`. CommonJS and page-only names (`require`,
 * `module`, `exports`, `__dirname`, `__filename`, `window`, `document`) are
 * deliberately absent: they do not exist in a worker.
 *
 * @example
 * ```ts
 * import { ALLOWED_GLOBALS } from './allowed-globals.js';
 * ALLOWED_GLOBALS.has('Math');    // true
 * ALLOWED_GLOBALS.has('require'); // false
 * ```
 */
export const ALLOWED_GLOBALS: ReadonlySet<string> = new Set<string>([
  ...ECMASCRIPT_GLOBALS,
  ...WEB_GLOBALS,
  ...RUNTIME_GLOBALS,
]);
