import { defineConfig } from 'vitest/config';

// Three projects, so that tests never wait for infrastructure they do not use: `unit` needs nothing on the machine
// (`npm run test:unit`), `integration` a Redis and a Kubernetes API server, `e2e` a real single-node cluster with pods
// (scripts/cluster.sh, as root). `npm test` runs all three, e2e after the other two (it is timing-sensitive and the
// machines have two cores); `npm run test:e2e` runs it alone.
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
      {
        extends: true,
        test: {
          // The chart on a real single-node cluster (scripts/cluster.sh): real pods, minutes per step.
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // Runs once unit and integration (group 0) have finished, never alongside them.
          sequence: { groupOrder: 1 },
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 10 * 60_000,
          hookTimeout: 30 * 60_000,
        },
      },
    ],
  },
});
