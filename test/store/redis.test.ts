import { Redis } from 'ioredis';
import { inject } from 'vitest';

import { createRedisStore } from '../../src/store/redis/index.ts';
import { runStoreConformance } from './conformance.ts';

const url = inject('redisUrl');

runStoreConformance('redis', async () => {
  const prefix = `test:conformance:${Math.random().toString(36).slice(2)}:`;
  const open = () => createRedisStore({ url, mode: 'standalone', prefix });
  const store = await open();
  const inspector = new Redis(url);
  return {
    store,
    peer: open,
    dump: async () => {
      const keys = await inspector.keys(`${prefix}*`);
      const values = await Promise.all(
        keys.map(async (key) => {
          const type = await inspector.type(key);
          if (type === 'hash') return JSON.stringify(await inspector.hgetall(key));
          if (type === 'set') return (await inspector.smembers(key)).join(' ');
          return String(await inspector.get(key));
        }),
      );
      return [...keys, ...values];
    },
    cleanup: async () => {
      const keys = await inspector.keys(`${prefix}*`);
      if (keys.length) await inspector.del(...keys);
      await Promise.all([store.close(), inspector.quit()]);
    },
  };
});
