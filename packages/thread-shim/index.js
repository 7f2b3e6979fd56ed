'use strict';
/**
 * @weft/thread-shim: the shared-heap Thread API of THREAD-API.md for Node 20,
 * in global-lock mode. Loading this module installs the globals `Thread`,
 * `Lock`, `Condition`, `ThreadLocal`, `ConcurrentAccessError` and property
 * forms of `Atomics.*` with the default options; call {@link install} again to
 * reconfigure.
 */
const path = require('node:path');

// A build for this Node's ABI from scripts/build-for-node.js (other Node versions), else the default build.
const abiBuild = path.join(__dirname, 'prebuilds', `abi-${process.versions.modules}`, 'thread_shim.node');
const binding = require(require('node:fs').existsSync(abiBuild) ? abiBuild : path.join(__dirname, 'build', 'Release', 'thread_shim.node'));

/**
 * Thrown when an object pinned with `Thread.restrict` is touched from another
 * thread. The engine's shape (SPEC-api 4.1): a NativeError-style subclass of
 * `Error` — callable with or without `new`, `name` and `message` on the
 * prototype, `options.cause` honoured, `newTarget` honoured for subclasses.
 */
function ConcurrentAccessError(message, options) {
  const newTarget = new.target === undefined ? ConcurrentAccessError : new.target;
  const error = Reflect.construct(Error, arguments, newTarget);
  // Like every NativeError, the constructor's own frame is not in the stack.
  if (typeof Error.captureStackTrace === 'function') Error.captureStackTrace(error, newTarget);
  return error;
}
Object.setPrototypeOf(ConcurrentAccessError, Error);
ConcurrentAccessError.prototype = Object.create(Error.prototype, {
  constructor: { value: ConcurrentAccessError, writable: true, configurable: true },
  name: { value: 'ConcurrentAccessError', writable: true, configurable: true },
  message: { value: '', writable: true, configurable: true },
});
Object.defineProperty(ConcurrentAccessError, 'prototype', { writable: false, enumerable: false, configurable: false });

const current = { preempt: false, intervalMs: 5, mainThreadMayBlock: true, canBlock: true };
const KNOWN = new Set(['preempt', 'mainThreadMayBlock', 'canBlock']);

function describe(value) {
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

function validate(options) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Cannot install the Thread API: options must be an object, received ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new TypeError(`Cannot install the Thread API: unknown option "${key}" (known: preempt, mainThreadMayBlock, canBlock)`);
    }
  }
  const next = {};
  if ('preempt' in options && options.preempt !== undefined) {
    const { preempt } = options;
    if (typeof preempt === 'boolean') {
      next.preempt = preempt;
    } else if (preempt !== null && typeof preempt === 'object') {
      const { intervalMs } = preempt;
      if (intervalMs !== undefined) {
        if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs)) {
          throw new TypeError(`Cannot install the Thread API: preempt.intervalMs must be a finite number, received ${describe(intervalMs)}`);
        }
        if (intervalMs < 1 || intervalMs > 60000) {
          throw new RangeError(`Cannot install the Thread API: preempt.intervalMs must be between 1 and 60000, received ${intervalMs}`);
        }
        next.intervalMs = Math.round(intervalMs);
      }
      next.preempt = true;
    } else {
      throw new TypeError(`Cannot install the Thread API: preempt must be a boolean or { intervalMs }, received ${describe(preempt)}`);
    }
  }
  if ('mainThreadMayBlock' in options && options.mainThreadMayBlock !== undefined) {
    if (typeof options.mainThreadMayBlock !== 'boolean') {
      throw new TypeError(`Cannot install the Thread API: mainThreadMayBlock must be a boolean, received ${describe(options.mainThreadMayBlock)}`);
    }
    next.mainThreadMayBlock = options.mainThreadMayBlock;
  }
  if ('canBlock' in options && options.canBlock !== undefined) {
    if (typeof options.canBlock !== 'boolean') {
      throw new TypeError(`Cannot install the Thread API: canBlock must be a boolean, received ${describe(options.canBlock)}`);
    }
    next.canBlock = options.canBlock;
  }
  return next;
}

/**
 * Install the Thread API globals, or reconfigure them. Options left out keep
 * their current value (initially `preempt: false`, `mainThreadMayBlock: true`,
 * `canBlock: true`).
 *
 * @example
 * const { install } = require('@weft/thread-shim');
 * install({ preempt: { intervalMs: 2 }, mainThreadMayBlock: false });
 * const t = new Thread((a, b) => a + b, 1, 2);
 * t.asyncJoin().then((sum) => console.log(sum)); // 3
 */
function install(options) {
  const next = validate(options);
  Object.assign(current, next);
  binding.install(globalThis, ConcurrentAccessError, { ...current });
  return { ...current };
}

install();

// SPEC-api (corpus api/wasm-*): the engine refuses WebAssembly on spawned
// threads with a TypeError. The shim refuses the entry points that compile or
// instantiate a module there; an export created on the main thread and called
// from a spawned thread is not intercepted (README, known gaps).
function refuseWebAssemblyOffMain() {
  const wasm = globalThis.WebAssembly;
  if (wasm === undefined || wasm === null) return;
  const currentGetter = Object.getOwnPropertyDescriptor(globalThis.Thread, 'current').get;
  const onSpawnedThread = () => Reflect.apply(currentGetter, globalThis.Thread, []).id !== 0;
  const refuse = (name) => {
    throw new TypeError(`WebAssembly.${name} cannot be used on a spawned Thread`);
  };
  for (const name of ['compile', 'instantiate', 'validate', 'compileStreaming', 'instantiateStreaming',
    'Module', 'Instance', 'Memory', 'Table', 'Global', 'Tag']) {
    const descriptor = Object.getOwnPropertyDescriptor(wasm, name);
    if (descriptor === undefined || typeof descriptor.value !== 'function') continue;
    const target = descriptor.value;
    const guarded = new Proxy(target, {
      apply(fn, thisArg, args) {
        if (onSpawnedThread()) refuse(name);
        return Reflect.apply(fn, thisArg, args);
      },
      construct(fn, args, newTarget) {
        if (onSpawnedThread()) refuse(name);
        return Reflect.construct(fn, args, newTarget === guarded ? fn : newTarget);
      },
    });
    Object.defineProperty(wasm, name, { ...descriptor, value: guarded });
  }
}
refuseWebAssemblyOffMain();

module.exports = { install, ConcurrentAccessError };
// For this package's tests: counters of the native layer.
Object.defineProperty(module.exports, 'stats', { value: binding.stats, enumerable: false });
