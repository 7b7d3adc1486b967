import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Provides `inject("redisUrl")` and `inject("kubeconfig")`: see test/support/global-setup.ts.
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests start real processes (redis-server, kube-apiserver + etcd): be generous.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Child processes (native addons, servers) behave best in forked workers rather than threads.
    pool: 'forks',
  },
});
