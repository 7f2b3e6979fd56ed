// A tiny test harness that runs unchanged on Node, Bun, Deno and in a browser:
// describe/it, an expect() with the matchers the suites use, a per-test
// timeout, and a result object the runners turn into a summary line.
// Not vitest: no transforms, no node:* imports, nothing to configure.

/** The runtime this file is running on: 'node', 'bun', 'deno' or 'browser'. */
export const runtime = (() => {
  const g = globalThis;
  if (g.Deno !== undefined) return 'deno';
  if (g.Bun !== undefined) return 'bun';
  if (typeof g.process?.versions?.node === 'string') return 'node';
  return 'browser';
})();

/**
 * The backend Weft picks here, as Weft picks it: `WEFT_BACKEND` where the
 * platform has environment variables ('workers' or 'native'), else 'native'
 * where the engine has the Thread API's globals, else 'workers'. Under vitest
 * the `native` project sets WEFT_BACKEND=native and installs the Thread API shim.
 */
export const backend = (() => {
  const g = globalThis;
  let env;
  try {
    env = g.process?.env?.WEFT_BACKEND ?? g.Deno?.env?.get('WEFT_BACKEND');
  } catch {
    // Deno without --allow-env: as if unset.
  }
  if (env === 'native' || env === 'workers') return env;
  const api = typeof g.Thread === 'function' && typeof g.Lock === 'function' && typeof g.Condition === 'function' && typeof g.ThreadLocal === 'function' && 'current' in g.Thread;
  return api ? 'native' : 'workers';
})();

const tests = [];
const path = [];

/** Group tests under a name. */
export function describe(name, body) {
  path.push(name);
  try {
    body();
  } finally {
    path.pop();
  }
}

/** The skip reason of `skip` here: a string, a function of (runtime, backend), or an array of those (the first reason wins). */
function skipReason(skip) {
  if (Array.isArray(skip)) {
    for (const one of skip) {
      const reason = skipReason(one);
      if (reason) return reason;
    }
    return undefined;
  }
  return (typeof skip === 'function' ? skip(runtime, backend) : skip) || undefined;
}

/**
 * Register a test. `options.timeout` (ms, default 30,000) bounds it;
 * `options.skip` says when the test does not apply here: a reason string, a
 * function of (runtime, backend) returning one (see `nodeOnly`, `notInBrowser`,
 * `workersOnly`, `nativeOnly`), or an array of those.
 */
export function it(name, fn, options = {}) {
  tests.push({ name: [...path, name].join(' > '), fn, timeout: options.timeout ?? 30_000, skip: skipReason(options.skip) });
}

/**
 * Every test registered so far, in order: `{ name, fn, timeout, skip }`
 * (`skip` is the reason, or undefined). The vitest adapter
 * (packages/weft/test/conformance/portable/) registers each as a vitest test.
 */
export function registeredTests() {
  return tests.map((test) => ({ ...test }));
}

/** A skip reason for tests that need a Node-only API (`resourceLimits`, ...). */
export const nodeOnly = (what) => (rt) => (rt === 'node' ? undefined : `${what} is Node-only`);

/** A skip reason for tests that need what a browser page lacks (`process.exit`, environment variables, ...). */
export const notInBrowser = (what) => (rt) => (rt === 'browser' ? `a browser has no ${what}` : undefined);

/** A skip reason for tests that only make sense on the worker backend; `why` says why (shown when skipped). */
export const workersOnly = (why) => (_rt, be) => (be === 'workers' ? undefined : `workers only: ${why}`);

/** A skip reason for tests that only make sense on the native backend (shared-heap threads). */
export const nativeOnly = (why) => (_rt, be) => (be === 'native' ? undefined : `native only: ${why}`);

/**
 * Whether the calling thread may block (Atomics.wait): not on a browser page,
 * where the sync forms (lockSync, waitSync, acquireSync, ...) throw a TypeError
 * saying so, and only the async forms work.
 */
export const mayBlock = runtime !== 'browser';

/** A skip reason for tests that block the calling thread (the sync forms of the locks on it). */
export const blocksTheCaller = (what) => () => (mayBlock ? undefined : `${what} would block the calling thread, and a browser page may not block`);

/** True on the native backend: values pass by identity and closures run as they are. */
export const onNative = backend === 'native';

/** Resolves after the event loop has turned `n` times (macrotasks: pending waits get to settle into sleep). */
export async function turns(n = 5) {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** 'pending' when `promise` has not settled after a few turns of the event loop, else 'settled'. */
export async function state(promise) {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await turns();
  return settled ? 'settled' : 'pending';
}

// ---------------------------------------------------------------- assertions

class AssertionError extends Error {
  name = 'AssertionError';
}

function show(value) {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value instanceof Map) return `Map(${show([...value])})`;
  if (value instanceof Set) return `Set(${show([...value])})`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${show(Array.from(value))})`;
  try {
    const text = JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    if (text !== undefined) return text.length > 300 ? `${text.slice(0, 300)}...` : text;
  } catch {
    // fall through
  }
  return String(value);
}

/** Deep equality in the spirit of vitest's toEqual: Map, Set, Date, typed arrays, errors, plain objects. */
export function deepEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b; // 0 equals -0, like toEqual
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof Error) return a.name === b.name && a.message === b.message;
  if (a instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !deepEqual(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Set) {
    if (a.size !== b.size) return false;
    const rest = [...b];
    outer: for (const v of a) {
      for (let i = 0; i < rest.length; i++) {
        if (deepEqual(v, rest[i])) {
          rest.splice(i, 1);
          continue outer;
        }
      }
      return false;
    }
    return true;
  }
  if (ArrayBuffer.isView(a)) return a.length === b.length && Array.prototype.every.call(a, (v, i) => Object.is(v, b[i]) || v === b[i]);
  const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
  const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

function errorMatches(err, expected) {
  if (expected === undefined) return true;
  if (typeof expected === 'function') return err instanceof expected;
  if (expected instanceof RegExp) return expected.test(String(err?.message ?? err));
  if (typeof expected === 'string') return String(err?.message ?? err).includes(expected);
  if (expected instanceof Error) return err?.constructor === expected.constructor && err.message === expected.message;
  throw new TypeError(`toThrow: unsupported matcher ${show(expected)}`);
}

/** expect(actual, what?).toBe(...) and friends; `.not` negates the simple matchers; `what` prefixes a failure's message. */
export function expect(actual, what) {
  const make = (negate) => {
    const check = (pass, message) => {
      if (pass === negate) throw new AssertionError(`${what ? `${what}: ` : ''}${negate ? `not: ${message}` : message}`);
    };
    return {
      toBe: (expected) => check(Object.is(actual, expected), `expected ${show(actual)} to be ${show(expected)}`),
      toEqual: (expected) => check(deepEqual(actual, expected), `expected ${show(actual)} to equal ${show(expected)}`),
      toBeInstanceOf: (cls) => check(actual instanceof cls, `expected ${show(actual)} to be an instance of ${cls.name}`),
      toContain: (part) =>
        check(typeof actual === 'string' ? actual.includes(part) : [...actual].includes(part), `expected ${show(actual)} to contain ${show(part)}`),
      toMatch: (re) => check(re.test(actual), `expected ${show(actual)} to match ${re}`),
      toBeGreaterThan: (n) => check(actual > n, `expected ${show(actual)} > ${show(n)}`),
      toBeGreaterThanOrEqual: (n) => check(actual >= n, `expected ${show(actual)} >= ${show(n)}`),
      toBeLessThan: (n) => check(actual < n, `expected ${show(actual)} < ${show(n)}`),
      toBeLessThanOrEqual: (n) => check(actual <= n, `expected ${show(actual)} <= ${show(n)}`),
      toHaveLength: (n) => check(actual?.length === n, `expected length ${show(actual?.length)} to be ${show(n)}`),
      toBeDefined: () => check(actual !== undefined, `expected ${show(actual)} to be defined`),
      toBeUndefined: () => check(actual === undefined, `expected ${show(actual)} to be undefined`),
      toBeNull: () => check(actual === null, `expected ${show(actual)} to be null`),
      toBeNaN: () => check(Number.isNaN(actual), `expected ${show(actual)} to be NaN`),
      toThrow: (expected) => {
        let threw = false;
        let err;
        try {
          actual();
        } catch (e) {
          threw = true;
          err = e;
        }
        if (negate) {
          if (threw) throw new AssertionError(`expected no throw, got ${show(err)}`);
          return;
        }
        if (!threw) throw new AssertionError(`expected a throw matching ${show(expected)}, but nothing was thrown`);
        if (!errorMatches(err, expected)) throw new AssertionError(`expected a throw matching ${show(expected)}, got ${show(err)}`);
      },
    };
  };
  return Object.assign(make(false), { not: make(true) });
}

/** The error `promise` rejects with; fails the test if it resolves. */
export async function rejectionOf(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new AssertionError('expected the promise to reject, but it resolved');
}

/** Reject if `promise` does not settle within `timeoutMs`; the failure names `what`. */
export async function within(promise, timeoutMs, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A few Int32 words on shared memory, for handshakes with workers. */
export const sharedFlags = (count = 4) => new Int32Array(new SharedArrayBuffer(count * 4));

/** Wait (asynchronously, never blocking) until `flags[index]` is no longer `from`, or fail after `timeoutMs`. */
export async function waitUntilChanged(flags, index, from, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = Atomics.load(flags, index);
    if (now !== from) return now;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for flags[${index}] to change from ${from}`);
    const wait = Atomics.waitAsync(flags, index, from, Math.min(left, 50));
    if (wait.async) await wait.value;
  }
}

/** A deterministic PRNG (mulberry32) for seeded randomness. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- running

/**
 * Run every registered test, one at a time. `log` receives one line per test.
 * Returns `{ runtime, passed, failed, skipped, ms, failures }`.
 */
export async function run({ log = (line) => console.log(line), filter } = {}) {
  const started = Date.now();
  const result = { runtime, passed: 0, failed: 0, skipped: 0, ms: 0, failures: [] };
  for (const test of tests) {
    if (filter && !test.name.includes(filter)) continue;
    if (test.skip) {
      result.skipped++;
      log(`  - ${test.name} (skipped: ${test.skip})`);
      continue;
    }
    const t0 = Date.now();
    try {
      await within(Promise.resolve().then(test.fn), test.timeout, `the test (timeout ${test.timeout} ms)`);
      result.passed++;
      log(`  ok ${test.name} (${Date.now() - t0} ms)`);
    } catch (err) {
      result.failed++;
      const detail = err instanceof Error ? `${err.name}: ${err.message}` : show(err);
      result.failures.push({ name: test.name, error: detail, stack: err?.stack });
      log(`  FAIL ${test.name} (${Date.now() - t0} ms)\n       ${detail}`);
    }
  }
  result.ms = Date.now() - started;
  return result;
}
