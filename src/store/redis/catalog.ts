// Redis ClientCatalog: one key per client (no TTL), a set of all client_ids, and a pub/sub channel of changes.
import type { Cluster, Redis } from 'ioredis';

import { ALL_CLIENTS, type ClientCatalog, type ClientRecord } from '../types.ts';

type Client = Redis | Cluster;

const MAX_SUBSCRIBE_DELAY_MS = 5000;

export class RedisClientCatalog implements ClientCatalog {
  readonly #redis: Client;
  readonly #subscriber: Client;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #listeners = new Set<(clientId: string) => void>();

  constructor(redis: Client, subscriber: Client, prefix: string) {
    this.#redis = redis;
    this.#subscriber = subscriber;
    this.#prefix = prefix;
    this.#channel = `${prefix}clients:changed`;
    subscriber.on('message', (channel: string, clientId: string) => {
      if (channel === this.#channel) this.#emit(clientId);
    });
    // After a reconnect, messages sent while disconnected are lost: tell caches to start over.
    let connectedBefore = false;
    subscriber.on('ready', () => {
      if (connectedBefore) this.#emit(ALL_CLIENTS);
      connectedBefore = true;
    });
  }

  /**
   * Resolves once change notifications flow, waiting for Redis as long as it takes: a pod started before its Redis
   * (a first install) waits instead of exiting into a crash loop.
   */
  async start(): Promise<void> {
    for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, MAX_SUBSCRIBE_DELAY_MS)) {
      try {
        await this.#subscriber.subscribe(this.#channel);
        return;
      } catch {
        // The connection's own error is reported by its error listener; try again once ioredis may have reconnected.
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  async get(clientId: string): Promise<ClientRecord | undefined> {
    const json = await this.#redis.get(this.#key(clientId));
    return json === null ? undefined : (JSON.parse(json) as ClientRecord);
  }

  async put(record: ClientRecord): Promise<void> {
    // Separate commands, not a pipeline: the record and the index live in different Cluster slots.
    await this.#redis.set(this.#key(record.clientId), JSON.stringify(record));
    await this.#redis.sadd(this.#indexKey(), record.clientId);
    await this.#redis.publish(this.#channel, record.clientId);
  }

  async delete(clientId: string): Promise<boolean> {
    const removed = await this.#redis.del(this.#key(clientId));
    await this.#redis.srem(this.#indexKey(), clientId);
    await this.#redis.publish(this.#channel, clientId);
    return removed > 0;
  }

  async list(): Promise<ClientRecord[]> {
    const ids = await this.#redis.smembers(this.#indexKey());
    if (ids.length === 0) return [];
    const values = await Promise.all(ids.map((id) => this.#redis.get(this.#key(id))));
    return values.filter((json): json is string => json !== null).map((json) => JSON.parse(json) as ClientRecord);
  }

  async missing(clientIds: readonly string[]): Promise<string[]> {
    // Auto-pipelining sends these EXISTS together: one round trip per node, whatever the count.
    const found = await Promise.all(clientIds.map((clientId) => this.#redis.exists(this.#key(clientId))));
    return clientIds.filter((_, i) => found[i] === 0);
  }

  onChange(listener: (clientId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(clientId: string): void {
    for (const listener of this.#listeners) listener(clientId);
  }

  #key(clientId: string): string {
    return `${this.#prefix}client:${clientId}`;
  }

  #indexKey(): string {
    return `${this.#prefix}clients`;
  }
}
