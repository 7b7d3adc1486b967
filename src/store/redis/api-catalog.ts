// Redis ApiCatalog: one key per audience (`<prefix>api:<audience>`), the set `<prefix>apis`, and the channel
// `<prefix>apis:changed` on the subscriber connection the client catalog already holds.
import type { Cluster, Redis } from 'ioredis';

import { ALL_APIS, type ApiCatalog, type ApiRecord } from '../types.ts';
import { RedisKeyedCatalog } from './keyed-catalog.ts';

export class RedisApiCatalog extends RedisKeyedCatalog<ApiRecord> implements ApiCatalog {
  constructor(redis: Redis | Cluster, subscriber: Redis | Cluster, prefix: string) {
    super(redis, subscriber, { prefix, singular: 'api', plural: 'apis', idOf: (record) => record.audience, everything: ALL_APIS });
  }
}
