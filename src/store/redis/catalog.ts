// Redis ClientCatalog: one key per client (`<prefix>client:<client_id>`), the set `<prefix>clients`, and the channel
// `<prefix>clients:changed`.
import type { Cluster, Redis } from 'ioredis';

import { ALL_CLIENTS, type ClientCatalog, type ClientRecord } from '../types.ts';
import { RedisKeyedCatalog } from './keyed-catalog.ts';

export class RedisClientCatalog extends RedisKeyedCatalog<ClientRecord> implements ClientCatalog {
  constructor(redis: Redis | Cluster, subscriber: Redis | Cluster, prefix: string) {
    super(redis, subscriber, { prefix, singular: 'client', plural: 'clients', idOf: (record) => record.clientId, everything: ALL_CLIENTS });
  }

  async missing(clientIds: readonly string[]): Promise<string[]> {
    // Auto-pipelining sends these EXISTS together: one round trip per node, whatever the count.
    const found = await Promise.all(clientIds.map((clientId) => this.redis.exists(this.key(clientId))));
    return clientIds.filter((_, i) => found[i] === 0);
  }
}
