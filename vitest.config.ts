import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Memory-bound tests collect garbage before they measure (`global.gc`).
    execArgv: ['--expose-gc'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Integration files each start their own registry/redis/dockerd; two at a time fits 2 cores.
    maxWorkers: 2,
  },
});
