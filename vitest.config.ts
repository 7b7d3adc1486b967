import { defineConfig } from 'vitest/config';

// Two projects, so that tests needing no infrastructure never wait for it: `npm run test:unit` runs `unit` alone (no
// Redis, no Kubernetes API server on the machine needed); `npm test` runs both.
export default defineConfig({
  test: {
    // Child processes (native addons, servers) behave best in forked workers rather than threads.
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // Pure code with injected clocks and fakes, and the store contract against the in-memory store.
          include: ['test/unit/**/*.test.ts', 'test/store/memory.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/store/redis*.test.ts'],
          // Provides `inject("redisUrl")` and `inject("kubeconfig")`: see test/support/global-setup.ts.
          globalSetup: ['test/support/global-setup.ts'],
          // Integration tests start real processes (redis-server, kube-apiserver + etcd): be generous.
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
