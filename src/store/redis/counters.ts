// Redis RateCounters: one key per counter and window, which expires with the window.
import type { Cluster, Redis } from 'ioredis';

import { digest } from '../keys.ts';
import type { RateCounters } from '../types.ts';
import { HIT, RELEASE } from './scripts.ts';

type Client = (Redis | Cluster) & { purserHit(key: string, windowSeconds: number): Promise<number>; purserRelease(key: string): Promise<unknown> };

export class RedisRateCounters implements RateCounters {
  readonly #redis: Client;
  readonly #prefix: string;

  constructor(redis: Redis | Cluster, prefix: string) {
    redis.defineCommand('purserHit', { lua: HIT, numberOfKeys: 1 });
    redis.defineCommand('purserRelease', { lua: RELEASE, numberOfKeys: 1 });
    this.#redis = redis as Client;
    this.#prefix = prefix;
  }

  hit(key: string, windowSeconds: number): Promise<number> {
    return this.#redis.purserHit(this.#key(key), Math.max(1, Math.ceil(windowSeconds)));
  }

  async count(key: string): Promise<number> {
    return Number((await this.#redis.get(this.#key(key))) ?? 0);
  }

  async release(key: string): Promise<void> {
    await this.#redis.purserRelease(this.#key(key));
  }

  #key(key: string): string {
    return `${this.#prefix}rate:${digest(key)}`;
  }
}
