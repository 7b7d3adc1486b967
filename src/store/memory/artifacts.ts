// In-memory ArtifactStore for dev mode and single-process use: the same contract as Redis, in one process.
import { clientGrants, clientTokens, digest, grantArtifacts, owningIndex, parseGrantReference, storedJson, type IndexRef } from '../keys.ts';
import type { ArtifactStore, ArtifactWrite, ConsumeOutcome, Payload } from '../types.ts';

interface Entry {
  json: string;
  expiresAt: number;
  /** The name of the index the artifact is filed in (its grant's or its client's). */
  index?: string;
  /** A rotated refresh token's one successor: its key, and its id as the caller sealed it. */
  successor?: { key: string; sealed: string };
}

const SWEEP_INTERVAL_MS = 60_000;

export class MemoryArtifactStore implements ArtifactStore {
  readonly #entries = new Map<string, Entry>();
  /** `uid:<model>:<digest>` / `userCode:<model>:<digest>` → artifact key. */
  readonly #lookups = new Map<string, string>();
  /**
   * Index name (see keys.ts) → member → when it expires (ms), in the order members were last extended. Members are
   * artifact keys, or for a client's grants the names of the grants' indexes.
   */
  readonly #indexes = new Map<string, Map<string, number>>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS).unref();
  }

  async upsert(model: string, id: string, payload: Payload, expiresIn: number): Promise<void> {
    this.#store(model, id, payload, expiresIn);
  }

  async rotate(spentId: string, successor: ArtifactWrite, sealed: string, alongside?: ArtifactWrite): Promise<{ outcome: ConsumeOutcome; linked?: string }> {
    const { model } = successor;
    const outcome = this.#spend(artifactKey(model, spentId));
    if (outcome === 'missing' || outcome === 'reused') return { outcome };
    const spent = this.#entries.get(artifactKey(model, spentId))!;
    const linked = outcome === 'grace' ? spent.successor?.sealed : undefined;
    if (linked === undefined) {
      this.#store(model, successor.id, successor.payload, successor.expiresIn);
      spent.successor = { key: artifactKey(model, successor.id), sealed };
    }
    if (alongside) this.#store(alongside.model, alongside.id, alongside.payload, alongside.expiresIn);
    return linked === undefined ? { outcome } : { outcome, linked };
  }

  #store(model: string, id: string, payload: Payload, expiresIn: number): void {
    const key = artifactKey(model, id);
    const expiresAt = this.#now() + expiresIn * 1000;
    const owner = owningIndex(model, id, payload);
    this.#entries.set(key, { json: storedJson(payload), expiresAt, index: owner?.name });
    if (payload.uid) this.#lookups.set(lookupKey('uid', model, payload.uid), key);
    if (payload.userCode) this.#lookups.set(lookupKey('userCode', model, payload.userCode), key);
    if (owner) this.#file(owner.name, key, expiresAt);
    if (model === 'Grant' && typeof payload.clientId === 'string') this.#fileGrant(payload.clientId, id, expiresAt);
  }

  async find(model: string, id: string): Promise<Payload | undefined> {
    return this.#read(artifactKey(model, id));
  }

  async grantExists(reference: string): Promise<boolean> {
    const parsed = parseGrantReference(reference);
    return parsed !== undefined && this.#read(`Grant:${parsed.digest}`) !== undefined;
  }

  async findByUid(model: string, uid: string): Promise<Payload | undefined> {
    return this.#readLookup(lookupKey('uid', model, uid));
  }

  async findByUserCode(model: string, userCode: string): Promise<Payload | undefined> {
    return this.#readLookup(lookupKey('userCode', model, userCode));
  }

  async consume(model: string, id: string): Promise<ConsumeOutcome> {
    return this.#spend(artifactKey(model, id));
  }

  async findWithGrant(model: string, id: string): Promise<{ payload: Payload; grant: Payload | undefined } | undefined> {
    const payload = this.#read(artifactKey(model, id));
    return payload && { payload, grant: typeof payload.grantId === 'string' ? this.#read(artifactKey('Grant', payload.grantId)) : undefined };
  }

  async unconsume(model: string, id: string): Promise<void> {
    const key = artifactKey(model, id);
    const payload = this.#read(key);
    const entry = this.#entries.get(key);
    if (!payload || !entry || entry.successor) return;
    const { consumed: _consumed, ...unconsumed } = payload;
    entry.json = JSON.stringify(unconsumed);
  }

  async renew(model: string, id: string, expiresIn: number): Promise<void> {
    const key = artifactKey(model, id);
    const payload = this.#read(key);
    if (!payload) return;
    const entry = this.#entries.get(key)!;
    const expiresAt = this.#now() + expiresIn * 1000;
    if (entry.expiresAt < expiresAt) entry.expiresAt = expiresAt;
    const exp = Math.floor(expiresAt / 1000);
    if (Number(payload.exp ?? 0) < exp) entry.json = JSON.stringify({ ...payload, exp });
    if (model !== 'Grant') return;
    if (entry.index) this.#file(entry.index, key, expiresAt);
    if (typeof payload.clientId === 'string') this.#fileGrant(payload.clientId, id, expiresAt);
  }

  async destroy(model: string, id: string): Promise<void> {
    this.#delete(artifactKey(model, id));
  }

  async revokeByGrantId(grantId: string, models?: readonly string[]): Promise<void> {
    if (models?.length === 0) return;
    this.#revoke(grantArtifacts(grantId).name, models);
  }

  async revokeByClientId(clientId: string): Promise<void> {
    const grants = clientGrants(clientId).name;
    for (const grantIndex of this.#indexes.get(grants)?.keys() ?? []) this.#revoke(grantIndex);
    this.#indexes.delete(grants);
    this.#revoke(clientTokens(clientId).name);
  }

  /** Every stored key and value, for tests that check nothing is kept in plain form. */
  dump(): string[] {
    return [...this.#entries]
      .flatMap(([key, entry]) => [key, entry.json])
      .concat([...this.#lookups.keys()])
      .concat([...this.#indexes].flatMap(([name, members]) => [name, ...members.keys()]));
  }

  /** How many members an index holds, expired ones not yet dropped included (for tests). */
  indexSize(index: IndexRef): number {
    return this.#indexes.get(index.name)?.size ?? 0;
  }

  close(): void {
    clearInterval(this.#sweeper);
  }

  #read(key: string): Payload | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#delete(key);
      return undefined;
    }
    return JSON.parse(entry.json) as Payload;
  }

  /** Consumes the artifact at `key` (ArtifactStore.consume). */
  #spend(key: string): ConsumeOutcome {
    const payload = this.#read(key);
    if (!payload) return 'missing';
    const entry = this.#entries.get(key)!;
    const now = Math.floor(this.#now() / 1000);
    if (payload.consumed === undefined) {
      entry.json = JSON.stringify({ ...payload, consumed: now });
      return 'consumed';
    }
    // Within the window, an old token of a chain that has moved on (its successor consumed or gone) is still reuse.
    if (now - payload.consumed < (payload.reuseGrace ?? 0) && this.#successorUnspent(entry)) return 'grace';
    if (entry.index) this.#revoke(entry.index);
    return 'reused';
  }

  #successorUnspent(entry: Entry): boolean {
    if (!entry.successor) return true;
    const successor = this.#read(entry.successor.key);
    return successor !== undefined && successor.consumed === undefined;
  }

  #readLookup(lookup: string): Payload | undefined {
    const key = this.#lookups.get(lookup);
    return key === undefined ? undefined : this.#read(key);
  }

  #fileGrant(clientId: string, grantId: string, expiresAt: number): void {
    this.#file(clientGrants(clientId).name, grantArtifacts(grantId).name, expiresAt);
  }

  /**
   * Files a member until `expiresAt` (never earlier than it already was) and drops the expired members at the front.
   * Members are kept in the order they were last extended, so that is usually all the expired ones; the sweep gets
   * the others.
   */
  #file(name: string, member: string, expiresAt: number): void {
    const members = this.#indexes.get(name) ?? new Map<string, number>();
    this.#indexes.set(name, members);
    const current = members.get(member) ?? 0;
    if (current < expiresAt) {
      members.delete(member);
      members.set(member, expiresAt);
    }
    const now = this.#now();
    for (const [key, until] of members) {
      if (until > now) break;
      members.delete(key);
    }
  }

  /** Deletes the members of an index (only those of `models` when given) and their artifacts; all: the index too. */
  #revoke(name: string, models?: readonly string[]): void {
    const members = this.#indexes.get(name);
    for (const key of members?.keys() ?? []) {
      if (models && !models.includes(modelOfKey(key))) continue;
      this.#delete(key);
      members!.delete(key);
    }
    if (!models) this.#indexes.delete(name);
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    if (entry.index) this.#indexes.get(entry.index)?.delete(key);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#delete(key);
    }
    for (const [lookup, key] of this.#lookups) {
      if (!this.#entries.has(key)) this.#lookups.delete(lookup);
    }
    for (const [name, members] of this.#indexes) {
      for (const [member, until] of members) {
        if (until <= now) members.delete(member);
      }
      if (members.size === 0) this.#indexes.delete(name);
    }
  }
}

function artifactKey(model: string, id: string): string {
  return `${model}:${digest(id)}`;
}

function modelOfKey(key: string): string {
  return key.slice(0, key.indexOf(':'));
}

function lookupKey(kind: 'uid' | 'userCode', model: string, value: string): string {
  return `${kind}:${model}:${digest(value)}`;
}
