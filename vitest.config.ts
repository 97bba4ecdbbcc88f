import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // the suites start real HTTP servers on loopback; two workers keep the 2-core machine responsive
    maxWorkers: 2,
  },
});
