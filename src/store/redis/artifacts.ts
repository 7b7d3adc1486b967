// Redis ArtifactStore: hashed keys, TTL on every key, a grant's or a client's keys in one hash slot, atomic consume.
import type { Cluster, Redis } from 'ioredis';

import { sealSuccessor } from '../successor-seal.ts';
import { clientGrants, clientTokens, grantArtifacts, owningIndex, storedJson } from '../keys.ts';
import type { ArtifactStore, ArtifactWrite, ConsumeOutcome, Payload } from '../types.ts';
import { classifyRedisFault } from './faults.ts';
import { artifactKey, indexKey, lookupKey, referencedGrantKey } from './keys.ts';
import { luaScript, scriptRunner, type RunScript } from './script-runner.ts';
import { CONSUME, FIND_WITH_GRANT, INDEX, KEEP_FOR_RETRY, RENEW, REVOKE, REVOKE_BATCH, ROTATE, UNCONSUME, UPSERT } from './scripts.ts';

type Client = Redis | Cluster;

/** How many index members `revokeByClientId` handles per command, so no script blocks Redis for long. */
const REVOKE_BATCH_SIZE = 500;

/**
 * How long after a stalled Redis resumes the refresh token of a rotation that timed out in it can still be presented
 * again for that rotation's successor (KEEP_FOR_RETRY): time for the client to come back with the retry the 503 asked
 * for. Seconds, on Redis's clock.
 */
export const STALLED_ROTATION_RETRY_SECONDS = 60;

const SCRIPTS = {
  upsert: luaScript(UPSERT),
  index: luaScript(INDEX),
  consume: luaScript(CONSUME),
  unconsume: luaScript(UNCONSUME),
  findWithGrant: luaScript(FIND_WITH_GRANT),
  rotate: luaScript(ROTATE),
  revoke: luaScript(REVOKE),
  revokeBatch: luaScript(REVOKE_BATCH),
  renew: luaScript(RENEW),
};

export class RedisArtifactStore implements ArtifactStore {
  readonly #redis: Client;
  readonly #run: RunScript;
  readonly #prefix: string;

  constructor(redis: Client, prefix: string) {
    this.#redis = redis;
    this.#run = scriptRunner(redis);
    this.#prefix = prefix;
  }

  async upsert(model: string, id: string, payload: Payload, expiresIn: number): Promise<void> {
    const key = artifactKey(this.#prefix, model, id);
    const owner = owningIndex(model, id, payload);
    const index = owner && indexKey(this.#prefix, owner);
    const ttl = ttlOf(expiresIn);
    const values = [storedJson(payload), ttl, payload.reuseGrace ?? 0, payload.consumed ?? ''];
    // Separate commands rather than one pipeline: lookups and a client's grants live in other Cluster slots than the
    // artifact. Auto-pipelining still sends them in one batch per node, so they cost no extra round trip.
    await Promise.all([
      this.#run(SCRIPTS.upsert, index ? [key, index] : [key], values),
      model === 'Grant' && typeof payload.clientId === 'string' && this.#fileGrant(payload.clientId, id, ttl),
      payload.uid && this.#redis.set(lookupKey(this.#prefix, 'uid', model, payload.uid), key, 'EX', ttl),
      payload.userCode && this.#redis.set(lookupKey(this.#prefix, 'userCode', model, payload.userCode), key, 'EX', ttl),
    ]);
  }

  async find(model: string, id: string): Promise<Payload | undefined> {
    return this.#read(artifactKey(this.#prefix, model, id));
  }

  async grantExists(reference: string): Promise<boolean> {
    const key = referencedGrantKey(this.#prefix, reference);
    return key !== undefined && (await this.#redis.exists(key)) === 1;
  }

  async findByUid(model: string, uid: string): Promise<Payload | undefined> {
    return this.#readLookup(lookupKey(this.#prefix, 'uid', model, uid));
  }

  async findByUserCode(model: string, userCode: string): Promise<Payload | undefined> {
    return this.#readLookup(lookupKey(this.#prefix, 'userCode', model, userCode));
  }

  async consume(model: string, id: string): Promise<ConsumeOutcome> {
    return (await this.#run(SCRIPTS.consume, [artifactKey(this.#prefix, model, id)], [Math.floor(Date.now() / 1000)])) as ConsumeOutcome;
  }

  async unconsume(model: string, id: string): Promise<void> {
    await this.#run(SCRIPTS.unconsume, [artifactKey(this.#prefix, model, id)], []);
  }

  async findWithGrant(model: string, id: string): Promise<{ payload: Payload; grant: Payload | undefined } | undefined> {
    const reply = (await this.#run(SCRIPTS.findWithGrant, [artifactKey(this.#prefix, model, id)], [])) as (string | null)[];
    const [json, consumed, renewedExp, grace, _index, grantJson, grantExp] = reply;
    const payload = parsed(json, consumed, renewedExp, grace);
    return payload && { payload, grant: parsed(grantJson, null, grantExp) };
  }

  async rotate(spentId: string, successor: ArtifactWrite, sealed: string, alongside?: ArtifactWrite): Promise<{ outcome: ConsumeOutcome; linked?: string }> {
    const { model } = successor;
    const owner = owningIndex(model, successor.id, successor.payload);
    const index = owner && indexKey(this.#prefix, owner);
    if (!index || (alongside && owningIndex(alongside.model, alongside.id, alongside.payload)?.name !== owner.name)) {
      throw new Error('rotate: the successor and what is stored alongside it must belong to one grant');
    }
    const [spent, key] = [artifactKey(this.#prefix, model, spentId), artifactKey(this.#prefix, model, successor.id)];
    const values = [Math.floor(Date.now() / 1000), storedJson(successor.payload), ttlOf(successor.expiresIn), successor.payload.reuseGrace ?? 0, sealed];
    const rotation = alongside
      ? this.#run(SCRIPTS.rotate, [spent, key, index, artifactKey(this.#prefix, alongside.model, alongside.id)], [...values, storedJson(alongside.payload), ttlOf(alongside.expiresIn)])
      : this.#run(SCRIPTS.rotate, [spent, key, index], values);
    const [outcome, linked] = (await rotation.catch((error: unknown) => {
      if (classifyRedisFault(error) === 'timeout') this.#keepForRetry(spent, key, sealed || sealSuccessor(spentId, successor.id));
      throw error;
    })) as [ConsumeOutcome, string | null | undefined];
    return linked === null || linked === undefined ? { outcome } : { outcome, linked };
  }

  /**
   * After a rotation of `spent` timed out: a stalled Redis still runs it once it resumes, and then the successor it
   * stored is `sealed` beside the spent token for STALLED_ROTATION_RETRY_SECONDS (KEEP_FOR_RETRY), so the retry the
   * 503 asks for gets that successor instead of being taken for reuse. Sent at once on the same connection, right
   * behind the rotation, and not waited for: its answer comes when the stall ends, and a failure leaves the token as
   * the rotation left it. By its text (EVAL), not EVALSHA: a stalled Redis that did not know it would answer NOSCRIPT
   * only after the stall, and the script sent again then could come after the retry.
   */
  #keepForRetry(spent: string, successorKey: string, sealed: string): void {
    this.#redis.eval(KEEP_FOR_RETRY, 2, spent, successorKey, sealed, STALLED_ROTATION_RETRY_SECONDS).catch(() => undefined);
  }

  async renew(model: string, id: string, expiresIn: number): Promise<void> {
    const key = artifactKey(this.#prefix, model, id);
    const ttl = ttlOf(expiresIn);
    const exp = Math.floor(Date.now() / 1000) + ttl;
    // Only a Grant is renewed with its indexes: other artifacts are found by id and renewed alone.
    if (model !== 'Grant') {
      await this.#run(SCRIPTS.renew, [key], [exp, ttl]);
      return;
    }
    // The client's index of grants is in another slot, and only the stored Grant knows its client.
    const clientId = await this.#run(SCRIPTS.renew, [key, indexKey(this.#prefix, grantArtifacts(id))], [exp, ttl]);
    if (typeof clientId === 'string') await this.#fileGrant(clientId, id, ttl);
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.#redis.del(artifactKey(this.#prefix, model, id));
  }

  async revokeByGrantId(grantId: string, models?: readonly string[]): Promise<void> {
    if (models?.length === 0) return;
    await this.#run(SCRIPTS.revoke, [indexKey(this.#prefix, grantArtifacts(grantId))], models ?? []);
  }

  async revokeByClientId(clientId: string): Promise<void> {
    const grants = indexKey(this.#prefix, clientGrants(clientId));
    // Each grant is revoked by one script routed by its own index key, and only then dropped from the client's
    // index, so that a revocation cut short is finished by the next call.
    for (;;) {
      const batch = await this.#redis.zrange(grants, 0, String(REVOKE_BATCH_SIZE - 1));
      if (batch.length === 0) break;
      await Promise.all(batch.map((grantIndex) => this.#run(SCRIPTS.revoke, [grantIndex], [])));
      await this.#redis.zrem(grants, ...batch);
    }
    const tokens = indexKey(this.#prefix, clientTokens(clientId));
    let left: number;
    do left = (await this.#run(SCRIPTS.revokeBatch, [tokens], [REVOKE_BATCH_SIZE])) as number;
    while (left > 0);
  }

  /** Files a grant's index in its client's index of grants, for at least `ttl` seconds. */
  #fileGrant(clientId: string, grantId: string, ttl: number): Promise<unknown> {
    const member = indexKey(this.#prefix, grantArtifacts(grantId));
    return this.#run(SCRIPTS.index, [indexKey(this.#prefix, clientGrants(clientId))], [member, ttl]);
  }

  async #read(key: string): Promise<Payload | undefined> {
    const [json, consumed, renewedExp, grace] = await this.#redis.hmget(key, 'p', 'c', 'e', 'r');
    return parsed(json, consumed, renewedExp, grace);
  }

  async #readLookup(lookup: string): Promise<Payload | undefined> {
    const key = await this.#redis.get(lookup);
    return key === null ? undefined : this.#read(key);
  }
}

/**
 * A payload from its stored fields (p, c, e, r), or undefined when there is none. Field r overrides a shorter
 * `reuseGrace`: KEEP_FOR_RETRY widens it on a token whose rotation timed out.
 */
function parsed(json: string | null | undefined, consumed: string | null | undefined, renewedExp: string | null | undefined, grace?: string | null): Payload | undefined {
  if (json === null || json === undefined) return undefined;
  const payload = JSON.parse(json) as Payload;
  if (consumed !== null && consumed !== undefined) payload.consumed = Number(consumed);
  if (renewedExp) payload.exp = Math.max(Number(payload.exp ?? 0), Number(renewedExp));
  if (grace && Number(grace) > (payload.reuseGrace ?? 0)) payload.reuseGrace = Number(grace);
  return payload;
}

/** Whole seconds, at least 1 (EXPIRE with 0 would delete the key). */
function ttlOf(expiresIn: number): number {
  return Math.max(1, Math.ceil(expiresIn));
}
