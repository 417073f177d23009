import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Load tests measure memory and time: two files at a time on a two-core machine.
    maxWorkers: 2,
  },
});
