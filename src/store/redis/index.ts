// The production store: artifacts and the client and API catalogs in Redis, shared by every replica.
import type { Cluster, Redis } from 'ioredis';

import { guardStore } from '../guard.ts';
import type { Store } from '../types.ts';
import { RedisApiCatalog } from './api-catalog.ts';
import { RedisArtifactStore } from './artifacts.ts';
import { RedisClientCatalog } from './catalog.ts';
import { connectRedis, type RedisConnectionOptions } from './connection.ts';
import { RedisRateCounters } from './counters.ts';
import { RedisLogoutQueue } from './logout-queue.ts';
import { classifyRedisFault } from './faults.ts';
import { RedisWorkloadIssuers } from './workload-issuers.ts';

export interface RedisStoreOptions extends RedisConnectionOptions {
  prefix: string;
  /** Told once when a connection fails, and not again until it has recovered. */
  onConnectionError?: (error: Error) => void;
}

function reportErrorsOnce(client: Cluster | Redis, report: (error: Error) => void): void {
  let reported = false;
  client.on('error', (error: Error) => {
    if (!reported) report(error);
    reported = true;
  });
  client.on('ready', () => (reported = false));
}

export async function createRedisStore(options: RedisStoreOptions): Promise<Store> {
  const redis = connectRedis(options);
  const subscriber = connectRedis(options);
  const report = options.onConnectionError ?? (() => {});
  reportErrorsOnce(redis, report);
  reportErrorsOnce(subscriber, report);
  const clients = new RedisClientCatalog(redis, subscriber, options.prefix);
  await clients.start();
  const apis = new RedisApiCatalog(redis, subscriber, options.prefix);
  await apis.start();
  return guardStore({
    artifacts: new RedisArtifactStore(redis, options.prefix),
    counters: new RedisRateCounters(redis, options.prefix),
    clients,
    apis,
    logouts: new RedisLogoutQueue(redis, options.prefix),
    workloadIssuers: new RedisWorkloadIssuers(redis, options.prefix),
    ping: async () => {
      await redis.ping();
    },
    close: async () => {
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
    },
  }, classifyRedisFault);
}
