// Redis ApiCatalog: one key per audience (no TTL), a set of all audiences, and the pub/sub channel
// `<prefix>apis:changed` on the subscriber connection the client catalog already holds.
import type { Cluster, Redis } from 'ioredis';

import { ALL_APIS, type ApiCatalog, type ApiRecord } from '../types.ts';

type Client = Redis | Cluster;

export class RedisApiCatalog implements ApiCatalog {
  readonly #redis: Client;
  readonly #subscriber: Client;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #listeners = new Set<(audience: string) => void>();

  constructor(redis: Client, subscriber: Client, prefix: string) {
    this.#redis = redis;
    this.#subscriber = subscriber;
    this.#prefix = prefix;
    this.#channel = `${prefix}apis:changed`;
    subscriber.on('message', (channel: string, audience: string) => {
      if (channel === this.#channel) this.#emit(audience);
    });
    let connectedBefore = false;
    subscriber.on('ready', () => {
      if (connectedBefore) this.#emit(ALL_APIS);
      connectedBefore = true;
    });
  }

  /** Subscribes to changes; call after the client catalog's `start`, which waits for Redis. */
  async start(): Promise<void> {
    await this.#subscriber.subscribe(this.#channel);
  }

  async get(audience: string): Promise<ApiRecord | undefined> {
    const json = await this.#redis.get(this.#key(audience));
    return json === null ? undefined : (JSON.parse(json) as ApiRecord);
  }

  // The notification only once the write is done: on Redis Cluster the key and the channel may live on different
  // nodes, and a replica that re-read the record before the write landed would keep the old one.
  async put(record: ApiRecord): Promise<void> {
    await Promise.all([this.#redis.set(this.#key(record.audience), JSON.stringify(record)), this.#redis.sadd(this.#indexKey(), record.audience)]);
    await this.#redis.publish(this.#channel, record.audience);
  }

  async delete(audience: string): Promise<boolean> {
    const [removed] = await Promise.all([this.#redis.del(this.#key(audience)), this.#redis.srem(this.#indexKey(), audience)]);
    await this.#redis.publish(this.#channel, audience);
    return removed > 0;
  }

  async list(): Promise<ApiRecord[]> {
    const audiences = await this.#redis.smembers(this.#indexKey());
    const values = await Promise.all(audiences.map((audience) => this.#redis.get(this.#key(audience))));
    return values.filter((json): json is string => json !== null).map((json) => JSON.parse(json) as ApiRecord);
  }

  onChange(listener: (audience: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(audience: string): void {
    for (const listener of this.#listeners) listener(audience);
  }

  #key(audience: string): string {
    return `${this.#prefix}api:${audience}`;
  }

  #indexKey(): string {
    return `${this.#prefix}apis`;
  }
}
