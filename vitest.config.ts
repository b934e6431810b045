import { defineConfig } from 'vitest/config';

// Node tier: unit tests, CLI, collector (real HTTP, SQLite, PostgreSQL, Prometheus)
// and e2e tests that drive Debian's Chromium through Playwright themselves.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/collector/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
