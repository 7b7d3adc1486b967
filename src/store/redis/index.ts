// The production store: artifacts and the client catalog in Redis, shared by every replica.
import type { Store } from '../types.ts';
import { RedisArtifactStore } from './artifacts.ts';
import { RedisClientCatalog } from './catalog.ts';
import { connectRedis, type RedisConnectionOptions } from './connection.ts';

export async function createRedisStore(options: RedisConnectionOptions & { prefix: string }): Promise<Store> {
  const redis = connectRedis(options);
  const subscriber = connectRedis(options);
  const clients = new RedisClientCatalog(redis, subscriber, options.prefix);
  await clients.start();
  return {
    artifacts: new RedisArtifactStore(redis, options.prefix),
    clients,
    ping: async () => {
      await redis.ping();
    },
    close: async () => {
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
    },
  };
}
