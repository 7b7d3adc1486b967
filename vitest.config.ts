import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Provides `inject('redisUrl')`: REDIS_URL, else testcontainers, else a local redis-server.
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests start real processes (redis-server, kube-apiserver + etcd): be generous.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Child processes (native addons, servers) behave best in forked workers rather than threads.
    pool: 'forks',
  },
});
