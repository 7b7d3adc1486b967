import { defineConfig } from 'vitest/config';

// Three projects, so that tests never wait for infrastructure they do not use: `unit` needs nothing on the machine
// (`npm run test:unit`), `integration` a Redis and a Kubernetes API server, `e2e` a real single-node cluster with pods
// (scripts/cluster.sh, as root). `npm test` runs all three: e2e first, alone (it is timing-sensitive and the machines
// have two cores), then the other two. Vitest runs every project's global setup before any test, so the cluster is
// up from the start either way; running e2e first means its last step has taken the cluster down before the others
// run. `npm run test:e2e` runs it alone.
// The groups are explicit: vitest puts a project of the default group 0 that has one worker (two cores) after every
// numbered group, so "e2e last" by group number alone would depend on the machine's core count.
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
          sequence: { groupOrder: 2 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/store/redis*.test.ts'],
          sequence: { groupOrder: 2 },
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
          // Runs before unit and integration (group 2), never alongside them.
          sequence: { groupOrder: 1 },
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 10 * 60_000,
          hookTimeout: 30 * 60_000,
        },
      },
    ],
  },
});
