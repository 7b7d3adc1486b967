// The trusted ServiceAccount issuers in Redis: one JSON value under `<prefix>workload-issuers`, with a TTL.
import type { Cluster, Redis } from 'ioredis';

import type { WorkloadIssuerRecord, WorkloadIssuerStore } from '../types.ts';

export class RedisWorkloadIssuers implements WorkloadIssuerStore {
  readonly #redis: Redis | Cluster;
  readonly #key: string;

  constructor(redis: Redis | Cluster, prefix: string) {
    this.#redis = redis;
    this.#key = `${prefix}workload-issuers`;
  }

  async get(): Promise<WorkloadIssuerRecord | undefined> {
    const json = await this.#redis.get(this.#key);
    return json === null ? undefined : (JSON.parse(json) as WorkloadIssuerRecord);
  }

  async put(record: WorkloadIssuerRecord, ttlSeconds: number): Promise<void> {
    await this.#redis.set(this.#key, JSON.stringify(record), 'EX', ttlSeconds);
  }
}
