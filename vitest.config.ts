import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    // the suites start real HTTP servers on loopback; two workers keep the 2-core machine responsive
    maxWorkers: 2,
    // the SDK's notice that its 2027 releases need Node 22 says nothing about the code under test; handlers run
    // in the test's own process write no metric lines (a test of them turns them on; isolated functions have
    // their own environment)
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_METRICS_DISABLED: 'true' },
  },
});
