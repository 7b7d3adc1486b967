// Opens the store a process's configuration asks for: Redis when `redisUrl` is set, else the in-memory one.
import type { Config } from '../config/load.ts';
import type { Logger } from '../log.ts';
import { createMemoryStore } from './memory/index.ts';
import { createRedisStore } from './redis/index.ts';
import type { Store } from './types.ts';

export async function openStore(config: Config, log: Logger): Promise<Store> {
  if (!config.redisUrl) return createMemoryStore();
  return createRedisStore({
    url: config.redisUrl,
    mode: config.redisMode as 'standalone' | 'sentinel' | 'cluster',
    sentinelName: config.redisSentinelName,
    passwordFile: config.redisPasswordFile,
    prefix: config.redisKeyPrefix,
    commandTimeoutMs: config.redisTimeout * 1000,
    onConnectionError: (error) => log.error({ err: error }, 'redis connection failed; retrying'),
  });
}
