import { Redis } from 'ioredis';
import { inject } from 'vitest';

import { createRedisStore } from '../../src/store/redis/index.ts';
import { indexKey } from '../../src/store/redis/keys.ts';
import { deleteKeysWithPrefix, uniquePrefix } from '../support/redis.ts';
import { realTime, runStoreConformance } from './conformance.ts';
import { redisDump } from './redis-dump.ts';

const url = inject('redisUrl');

runStoreConformance('redis', async () => {
  const prefix = uniquePrefix('conformance');
  const open = () => createRedisStore({ url, mode: 'standalone', prefix });
  const store = await open();
  const inspector = new Redis(url);
  return {
    store,
    peer: open,
    elapse: realTime,
    dump: () => redisDump(inspector, prefix),
    indexSize: (index) => inspector.zcard(indexKey(prefix, index)),
    cleanup: async () => {
      await deleteKeysWithPrefix(inspector, prefix);
      await Promise.all([store.close(), inspector.quit()]);
    },
  };
});
