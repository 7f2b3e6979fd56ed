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
  // GetPrototypeFromConstructor: a non-object newTarget.prototype falls back
  // to this class's prototype (Reflect.construct(Error, ...) would pick Error's).
  if (newTarget !== ConcurrentAccessError) {
    const proto = newTarget.prototype;
    if (proto === null || (typeof proto !== 'object' && typeof proto !== 'function')) {
      Object.setPrototypeOf(error, ConcurrentAccessError.prototype);
    }
  }
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

const MAX_THREADS = 256;
const current = { preempt: false, intervalMs: 5, mainThreadMayBlock: true, canBlock: true, maxThreads: MAX_THREADS };
const KNOWN = new Set(['preempt', 'mainThreadMayBlock', 'canBlock', 'maxThreads']);

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
      throw new TypeError(`Cannot install the Thread API: unknown option "${key}" (known: preempt, mainThreadMayBlock, canBlock, maxThreads)`);
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
  if ('maxThreads' in options && options.maxThreads !== undefined) {
    const { maxThreads } = options;
    if (typeof maxThreads !== 'number' || !Number.isInteger(maxThreads)) {
      throw new TypeError(`Cannot install the Thread API: maxThreads must be an integer, received ${describe(maxThreads)}`);
    }
    if (maxThreads < 1 || maxThreads > MAX_THREADS) {
      throw new RangeError(`Cannot install the Thread API: maxThreads must be between 1 and ${MAX_THREADS}, received ${maxThreads}`);
    }
    next.maxThreads = maxThreads;
  }
  return next;
}

/**
 * Install the Thread API globals, or reconfigure them. Options left out keep
 * their current value (initially `preempt: false`, `mainThreadMayBlock: true`,
 * `canBlock: true`, `maxThreads: 256`: the live-thread cap, the engine's
 * `maxJSThreads`).
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
// instantiate a module there, and calls of exported functions: an instance's
// `exports` hands out guards, one per export (so identity is the same on every
// thread), that throw on a spawned thread and call the export on main.
function refuseWebAssemblyOffMain() {
  const wasm = globalThis.WebAssembly;
  if (wasm === undefined || wasm === null) return;
  const currentGetter = Object.getOwnPropertyDescriptor(globalThis.Thread, 'current').get;
  const onSpawnedThread = () => Reflect.apply(currentGetter, globalThis.Thread, []).id !== 0;
  const unguard = guardWasmExports(wasm, onSpawnedThread);
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
        return Reflect.apply(fn, thisArg, args.map(unguard));
      },
      construct(fn, args, newTarget) {
        if (onSpawnedThread()) refuse(name);
        return Reflect.construct(fn, args.map(unguard), newTarget === guarded ? fn : newTarget);
      },
    });
    Object.defineProperty(wasm, name, { ...descriptor, value: guarded });
  }
}

/** Exported wasm functions are reached through guards that refuse spawned threads. */
function guardWasmExports(wasm, onSpawnedThread) {
  const guards = new WeakMap(); // export -> guard
  const exportsOf = new WeakMap(); // raw exports object -> guarded exports object
  const originals = new WeakMap(); // guard -> export
  const guard = (fn) => {
    if (typeof fn !== 'function') return fn;
    let guarded = guards.get(fn);
    if (guarded !== undefined) return guarded;
    const name = fn.name;
    guarded = {
      [name](...args) {
        if (onSpawnedThread()) throw new TypeError(`WebAssembly function ${name} cannot be called on a spawned Thread`);
        return Reflect.apply(fn, this, args);
      },
    }[name];
    Object.defineProperty(guarded, 'length', { value: fn.length });
    guards.set(fn, guarded);
    originals.set(guarded, fn);
    return guarded;
  };
  const unguard = (value) => (typeof value === 'function' && originals.has(value) ? originals.get(value) : value);

  const instanceProto = wasm.Instance && wasm.Instance.prototype;
  const exportsDescriptor = instanceProto && Object.getOwnPropertyDescriptor(instanceProto, 'exports');
  if (exportsDescriptor && typeof exportsDescriptor.get === 'function') {
    const rawExports = exportsDescriptor.get;
    Object.defineProperty(instanceProto, 'exports', {
      ...exportsDescriptor,
      get: {
        exports() {
          const raw = Reflect.apply(rawExports, this, []);
          let guarded = exportsOf.get(raw);
          if (guarded === undefined) {
            guarded = Object.create(null);
            for (const key of Object.keys(raw)) guarded[key] = guard(raw[key]);
            Object.freeze(guarded);
            exportsOf.set(raw, guarded);
          }
          return guarded;
        },
      }.exports,
    });
  }
  // Where the engine wants the export itself (tables, JSPI), the guard stands for it.
  const wrapMethod = (holder, name, map) => {
    const descriptor = holder && Object.getOwnPropertyDescriptor(holder, name);
    if (!descriptor || typeof descriptor.value !== 'function') return;
    const original = descriptor.value;
    const wrapped = {
      [name](...args) {
        return map(Reflect.apply(original, this, args.map(unguard)));
      },
    }[name];
    Object.defineProperty(wrapped, 'length', { value: original.length });
    Object.defineProperty(holder, name, { ...descriptor, value: wrapped });
  };
  const tableProto = wasm.Table && wasm.Table.prototype;
  wrapMethod(tableProto, 'get', guard);
  wrapMethod(tableProto, 'set', (r) => r);
  wrapMethod(tableProto, 'grow', (r) => r);
  wrapMethod(wasm, 'promising', guard);
  // JSPI: a Suspending import's promise settled by a spawned thread would
  // resume the suspended wasm frames on that thread (its reactions run there).
  // The promise handed to the engine rejects with a TypeError instead, so the
  // promising() call rejects; settled on main it resumes as before.
  if (typeof wasm.Suspending === 'function') {
    const Suspending = wasm.Suspending;
    const refuseOffMain = (promise) => Promise.resolve(promise).then(
      (value) => {
        if (onSpawnedThread()) throw new TypeError('WebAssembly cannot be resumed on a spawned Thread');
        return value;
      },
      (error) => {
        if (onSpawnedThread()) throw new TypeError('WebAssembly cannot be resumed on a spawned Thread');
        throw error;
      },
    );
    const guardedSuspending = new Proxy(Suspending, {
      construct(target, args, newTarget) {
        const [fn, ...rest] = args;
        const wrapped = typeof fn !== 'function' ? fn : function suspending(...callArgs) {
          const result = Reflect.apply(fn, this, callArgs);
          return result !== null && typeof result === 'object' && typeof result.then === 'function'
            ? refuseOffMain(result) : result;
        };
        return Reflect.construct(target, [wrapped, ...rest], newTarget === guardedSuspending ? target : newTarget);
      },
    });
    Object.defineProperty(wasm, 'Suspending', { ...Object.getOwnPropertyDescriptor(wasm, 'Suspending'), value: guardedSuspending });
  }
  return unguard;
}

refuseWebAssemblyOffMain();

module.exports = { install, ConcurrentAccessError };
// For this package's tests: counters of the native layer.
Object.defineProperty(module.exports, 'stats', { value: binding.stats, enumerable: false });
