import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration tests start real processes (redis-server, kube-apiserver + etcd): be generous.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Child processes (native addons, servers) behave best in forked workers rather than threads.
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', '**/node_modules/**'],
          // Provides `inject("redisUrl")` and `inject("kubeconfig")`: see test/support/global-setup.ts.
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
      {
        extends: true,
        test: {
          // The chart on a real single-node cluster (scripts/cluster.sh): real pods, minutes per step.
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 10 * 60_000,
          hookTimeout: 30 * 60_000,
        },
      },
    ],
  },
});
