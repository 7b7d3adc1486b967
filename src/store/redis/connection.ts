// Opens ioredis connections for the configured topology: standalone URL, Sentinel or Cluster seeds.
import { readFileSync } from 'node:fs';

import { Cluster, Redis, type RedisOptions } from 'ioredis';

export interface RedisConnectionOptions {
  url: string;
  mode: 'standalone' | 'sentinel' | 'cluster';
  sentinelName?: string;
  passwordFile?: string;
}

function seeds(list: string): { host: string; port: number }[] {
  return list.split(',').map((seed) => {
    const url = new URL(seed.includes('://') ? seed : `redis://${seed.trim()}`);
    return { host: url.hostname, port: Number(url.port || 6379) };
  });
}

export function connectRedis(options: RedisConnectionOptions): Redis | Cluster {
  const password = options.passwordFile ? readFileSync(options.passwordFile, 'utf8').trim() : undefined;
  const common: RedisOptions = { maxRetriesPerRequest: 2, enableAutoPipelining: true, ...(password ? { password } : {}) };
  switch (options.mode) {
    case 'sentinel':
      return new Redis({ ...common, sentinels: seeds(options.url), name: options.sentinelName ?? 'mymaster' });
    case 'cluster':
      return new Cluster(seeds(options.url), { enableAutoPipelining: true, redisOptions: common });
    default:
      return new Redis(options.url, common);
  }
}
