import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file gets its own process: worker pools and crashes stay contained.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Timing-sensitive work is kept out of tests; files run one at a time on 2 cores.
    fileParallelism: false,
    typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'], tsconfig: './test/tsconfig.json' },
  },
});
