/**
 * Which backend this vitest run exercises (the `native` project sets
 * WEFT_BACKEND=native and installs the Thread API shim). The conformance
 * suite itself is portable (packages/runtime-tests/src/suites): there a test
 * that only makes sense on one backend says so with the harness's
 * `workersOnly` / `nativeOnly` skips; this is for the few vitest-only files.
 */

/** `'native'` in the native project, `'workers'` otherwise. */
export const backendUnderTest: 'workers' | 'native' = process.env.WEFT_BACKEND === 'native' ? 'native' : 'workers';

/** True on the native backend (shared-heap threads over the shim). */
export const onNative = backendUnderTest === 'native';
