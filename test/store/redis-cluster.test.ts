// The same contract on a three-node Redis Cluster: proves one grant's keys share a slot, so the atomic scripts work.
import { Cluster } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';

import { createRedisStore } from '../../src/store/redis/index.ts';
import { indexKey } from '../../src/store/redis/keys.ts';
import { startRedisCluster, type StartedRedisCluster } from '../support/redis-cluster.ts';
import { realTime, runStoreConformance } from './conformance.ts';
import { redisDump } from './redis-dump.ts';

let cluster: StartedRedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(async () => cluster?.stop());

runStoreConformance('redis cluster', async () => {
  const prefix = `test:cluster:${Math.random().toString(36).slice(2)}:`;
  const open = () => createRedisStore({ url: cluster.seeds, mode: 'cluster', prefix });
  const store = await open();
  const inspector = new Cluster(cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })));
  return {
    store,
    peer: open,
    elapse: realTime,
    dump: async () => (await Promise.all(inspector.nodes('master').map((node) => redisDump(node, prefix)))).flat(),
    indexSize: (index) => inspector.zcard(indexKey(prefix, index)),
    cleanup: async () => {
      await Promise.all([store.close(), inspector.quit()]);
    },
  };
});
