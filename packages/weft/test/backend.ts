/**
 * Which backend this run of the conformance suite exercises (the `native`
 * vitest project sets WEFT_BACKEND=native and installs the Thread API shim).
 */
import { describe, it } from 'vitest';

/** `'native'` in the native project, `'workers'` otherwise. */
export const backendUnderTest: 'workers' | 'native' = process.env.WEFT_BACKEND === 'native' ? 'native' : 'workers';

/** True on the native backend (shared-heap threads over the shim). */
export const onNative = backendUnderTest === 'native';

/**
 * `it` for a test that only makes sense on the worker backend; `reason`
 * says why (it shows in the test's name when skipped).
 */
export function itOnWorkers(name: string, reason: string, fn: () => unknown, timeout?: number): void {
  if (onNative) it.skip(`${name} [workers only: ${reason}]`, () => undefined);
  else it(name, fn, timeout);
}

/** `describe` for a group that only makes sense on the worker backend. */
export function describeOnWorkers(name: string, reason: string, fn: () => void): void {
  if (onNative) describe.skip(`${name} [workers only: ${reason}]`, () => undefined);
  else describe(name, fn);
}

/** `it` for a test that only makes sense on the native backend. */
export function itOnNative(name: string, reason: string, fn: () => unknown, timeout?: number): void {
  if (onNative) it(name, fn, timeout);
  else it.skip(`${name} [native only: ${reason}]`, () => undefined);
}
