import { defineConfig } from 'vitest/config';

// Node tier: unit tests, CLI, collector (real HTTP, SQLite, PostgreSQL, Prometheus)
// and e2e tests that drive Debian's Chromium through Playwright themselves.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/collector/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    environment: 'node',
    // Limits that only turn a hang into a failure, sized for the fresh-clone CI machine: both
    // tiers, Chromium and PostgreSQL on 2 cores (load average 20) run cases 5-10x slower than a
    // quiet machine (a 3 s case took 15 s), so a 9 s case could pass 60 s. A passing run never
    // waits for them.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
