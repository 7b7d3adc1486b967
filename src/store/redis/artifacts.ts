// Redis ArtifactStore: hashed keys, TTL on every key, one grant's keys in one hash slot, atomic consume.
import type { Cluster, Redis } from 'ioredis';

import { digest, grantTag, groupOf, owningGrant } from '../keys.ts';
import type { ArtifactStore, ConsumeOutcome, Payload } from '../types.ts';
import { CONSUME, RENEW, REVOKE, UPSERT } from './scripts.ts';

type Client = Redis | Cluster;

interface ScriptCommands {
  purserUpsert(key: string, ...args: (string | number)[]): Promise<unknown>;
  purserUpsertInGrant(key: string, grantIndex: string, ...args: (string | number)[]): Promise<unknown>;
  purserConsume(key: string, now: number): Promise<ConsumeOutcome>;
  purserRevoke(...args: string[]): Promise<unknown>;
  purserRenew(key: string, exp: number, ttl: number): Promise<unknown>;
  purserRenewInGrant(key: string, grantIndex: string, exp: number, ttl: number): Promise<unknown>;
}

export class RedisArtifactStore implements ArtifactStore {
  readonly #redis: Client & ScriptCommands;
  readonly #prefix: string;

  constructor(redis: Client, prefix: string) {
    // Fixed key counts, so that ioredis can route each call to its Cluster node.
    redis.defineCommand('purserUpsert', { lua: UPSERT, numberOfKeys: 1 });
    redis.defineCommand('purserUpsertInGrant', { lua: UPSERT, numberOfKeys: 2 });
    redis.defineCommand('purserConsume', { lua: CONSUME, numberOfKeys: 1 });
    redis.defineCommand('purserRevoke', { lua: REVOKE, numberOfKeys: 1 });
    redis.defineCommand('purserRenew', { lua: RENEW, numberOfKeys: 1 });
    redis.defineCommand('purserRenewInGrant', { lua: RENEW, numberOfKeys: 2 });
    this.#redis = redis as Client & ScriptCommands;
    this.#prefix = prefix;
  }

  async upsert(model: string, id: string, payload: Payload, expiresIn: number): Promise<void> {
    const key = this.#artifactKey(model, id);
    const grant = owningGrant(model, id, payload.grantId);
    const grantIndex = grant && this.#grantIndexKey(grant);
    const ttl = Math.max(1, Math.ceil(expiresIn));
    const values = [JSON.stringify(payload), ttl, payload.reuseGrace ?? 0, payload.consumed ?? ''];
    // Separate commands rather than one pipeline: lookups live in other Cluster slots than the artifact.
    // Auto-pipelining still sends them in one batch per node.
    await Promise.all([
      grantIndex ? this.#redis.purserUpsertInGrant(key, grantIndex, ...values) : this.#redis.purserUpsert(key, ...values),
      payload.uid && this.#redis.set(this.#lookupKey('uid', model, payload.uid), key, 'EX', ttl),
      payload.userCode && this.#redis.set(this.#lookupKey('userCode', model, payload.userCode), key, 'EX', ttl),
    ]);
  }

  async find(model: string, id: string): Promise<Payload | undefined> {
    return this.#read(this.#artifactKey(model, id));
  }

  async findByUid(model: string, uid: string): Promise<Payload | undefined> {
    return this.#readLookup(this.#lookupKey('uid', model, uid));
  }

  async findByUserCode(model: string, userCode: string): Promise<Payload | undefined> {
    return this.#readLookup(this.#lookupKey('userCode', model, userCode));
  }

  async consume(model: string, id: string): Promise<ConsumeOutcome> {
    return this.#redis.purserConsume(this.#artifactKey(model, id), Math.floor(Date.now() / 1000));
  }

  async renew(model: string, id: string, expiresIn: number): Promise<void> {
    const key = this.#artifactKey(model, id);
    const ttl = Math.max(1, Math.ceil(expiresIn));
    const exp = Math.floor(Date.now() / 1000) + ttl;
    // Only a Grant can be renewed with its index: other artifacts are found by id and renewed alone.
    if (model === 'Grant') await this.#redis.purserRenewInGrant(key, this.#grantIndexKey(id), exp, ttl);
    else await this.#redis.purserRenew(key, exp, ttl);
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.#redis.del(this.#artifactKey(model, id));
  }

  async revokeByGrantId(grantId: string, models?: readonly string[]): Promise<void> {
    if (models?.length === 0) return;
    await this.#redis.purserRevoke(this.#grantIndexKey(grantId), ...(models ?? []));
  }

  async #read(key: string): Promise<Payload | undefined> {
    const [json, consumed, renewedExp] = await this.#redis.hmget(key, 'p', 'c', 'e');
    if (json === null || json === undefined) return undefined;
    const payload = JSON.parse(json) as Payload;
    if (consumed !== null && consumed !== undefined) payload.consumed = Number(consumed);
    if (renewedExp) payload.exp = Math.max(Number(payload.exp ?? 0), Number(renewedExp));
    return payload;
  }

  async #readLookup(lookupKey: string): Promise<Payload | undefined> {
    const key = await this.#redis.get(lookupKey);
    return key === null ? undefined : this.#read(key);
  }

  #artifactKey(model: string, id: string): string {
    const group = groupOf(model, id);
    return group === undefined ? `${this.#prefix}${model}:${digest(id)}` : `${this.#prefix}{${group}}:${model}:${digest(id)}`;
  }

  #grantIndexKey(grantId: string): string {
    return `${this.#prefix}{${grantTag(grantId)}}:grant:${digest(grantId)}`;
  }

  #lookupKey(kind: 'uid' | 'userCode', model: string, value: string): string {
    return `${this.#prefix}${kind}:${model}:${digest(value)}`;
  }
}
