import { defineConfig } from 'vitest/config';

// The conformance suite runs twice: on the worker backend, and on the native
// backend over the Thread API shim (packages/thread-shim) with preemption on.
// A test that only makes sense on one backend says so (see test/backend.ts).
export default defineConfig({
  test: {
    // Each file gets its own process: worker pools and crashes stay contained.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Timing-sensitive work is kept out of tests; files run one at a time on 2 cores.
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'workers',
          include: ['test/**/*.test.ts'],
          exclude: ['test/native/**'],
          env: { WEFT_BACKEND: 'workers' },
          typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'], tsconfig: './test/tsconfig.json' },
        },
      },
      {
        extends: true,
        test: {
          name: 'native',
          include: ['test/conformance/**/*.test.ts', 'test/native/**/*.test.ts'],
          env: { WEFT_BACKEND: 'native' },
          setupFiles: ['test/native/install-shim.ts'],
        },
      },
    ],
  },
});
