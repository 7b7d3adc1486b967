// A catalog of JSON records in Redis, the shape the client and the API catalogs share: one key per record (no TTL), a
// set of all ids, and a pub/sub channel of changes on the subscriber connection.
import type { Cluster, Redis } from 'ioredis';

type Client = Redis | Cluster;

const MAX_SUBSCRIBE_DELAY_MS = 5000;

export interface KeyedCatalogNames<R> {
  /** Installation prefix every key and the channel start with. */
  prefix: string;
  /** A record's key is `<prefix><singular>:<id>`. */
  singular: string;
  /** The set of all ids is `<prefix><plural>`, the channel `<prefix><plural>:changed`. */
  plural: string;
  /** The id a record is filed under (a client_id, an audience). */
  idOf(record: R): string;
  /** What listeners are told when notices may have been lost (after a reconnect): drop every cached record. */
  everything: string;
}

export class RedisKeyedCatalog<R> {
  protected readonly redis: Client;
  readonly #subscriber: Client;
  readonly #names: KeyedCatalogNames<R>;
  readonly #channel: string;
  readonly #listeners = new Set<(id: string) => void>();

  constructor(redis: Client, subscriber: Client, names: KeyedCatalogNames<R>) {
    this.redis = redis;
    this.#subscriber = subscriber;
    this.#names = names;
    this.#channel = `${names.prefix}${names.plural}:changed`;
    subscriber.on('message', (channel: string, id: string) => {
      if (channel === this.#channel) this.#emit(id);
    });
    // After a reconnect, messages sent while disconnected are lost: tell caches to start over.
    let connectedBefore = false;
    subscriber.on('ready', () => {
      if (connectedBefore) this.#emit(names.everything);
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

  async get(id: string): Promise<R | undefined> {
    const json = await this.redis.get(this.key(id));
    return json === null ? undefined : (JSON.parse(json) as R);
  }

  // Separate commands, not a pipeline: the record and the index live in different Cluster slots. The notice goes only
  // once the writes are done: on Redis Cluster the key and the channel may live on different nodes, and a replica
  // that re-read the record before the write landed would keep the old one.
  async put(record: R): Promise<void> {
    const id = this.#names.idOf(record);
    await Promise.all([this.redis.set(this.key(id), JSON.stringify(record)), this.redis.sadd(this.#indexKey(), id)]);
    await this.redis.publish(this.#channel, id);
  }

  /** Returns whether a record was removed. */
  async delete(id: string): Promise<boolean> {
    const [removed] = await Promise.all([this.redis.del(this.key(id)), this.redis.srem(this.#indexKey(), id)]);
    await this.redis.publish(this.#channel, id);
    return removed > 0;
  }

  /** Every record. Not for request paths. */
  async list(): Promise<R[]> {
    const ids = await this.redis.smembers(this.#indexKey());
    const values = await Promise.all(ids.map((id) => this.redis.get(this.key(id))));
    return values.filter((json): json is string => json !== null).map((json) => JSON.parse(json) as R);
  }

  /** Calls `listener` with the id of every change, made here or in another process; returns an unsubscribe. */
  onChange(listener: (id: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  protected key(id: string): string {
    return `${this.#names.prefix}${this.#names.singular}:${id}`;
  }

  #emit(id: string): void {
    for (const listener of this.#listeners) listener(id);
  }

  #indexKey(): string {
    return `${this.#names.prefix}${this.#names.plural}`;
  }
}
