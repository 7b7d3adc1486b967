// In-memory ArtifactStore for dev mode and single-process use: the same contract as Redis, in one process.
import { digest, owningGrant } from '../keys.ts';
import type { ArtifactStore, ConsumeOutcome, Payload } from '../types.ts';

interface Entry {
  json: string;
  expiresAt: number;
  grantKey?: string;
}

const SWEEP_INTERVAL_MS = 60_000;

export class MemoryArtifactStore implements ArtifactStore {
  readonly #entries = new Map<string, Entry>();
  /** `uid:<model>:<digest>` / `userCode:<model>:<digest>` → artifact key. */
  readonly #lookups = new Map<string, string>();
  readonly #grants = new Map<string, Set<string>>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS).unref();
  }

  async upsert(model: string, id: string, payload: Payload, expiresIn: number): Promise<void> {
    const key = artifactKey(model, id);
    const expiresAt = this.#now() + expiresIn * 1000;
    const grant = owningGrant(model, id, payload.grantId);
    const grantKey = grant && grantIndexKey(grant);
    this.#entries.set(key, { json: JSON.stringify(payload), expiresAt, grantKey });
    if (payload.uid) this.#lookups.set(lookupKey('uid', model, payload.uid), key);
    if (payload.userCode) this.#lookups.set(lookupKey('userCode', model, payload.userCode), key);
    if (grantKey) {
      const members = this.#grants.get(grantKey) ?? new Set<string>();
      members.add(key);
      this.#grants.set(grantKey, members);
    }
  }

  async find(model: string, id: string): Promise<Payload | undefined> {
    return this.#read(artifactKey(model, id));
  }

  async findByUid(model: string, uid: string): Promise<Payload | undefined> {
    return this.#readLookup(lookupKey('uid', model, uid));
  }

  async findByUserCode(model: string, userCode: string): Promise<Payload | undefined> {
    return this.#readLookup(lookupKey('userCode', model, userCode));
  }

  async consume(model: string, id: string): Promise<ConsumeOutcome> {
    const key = artifactKey(model, id);
    const payload = this.#read(key);
    if (!payload) return 'missing';
    const now = Math.floor(this.#now() / 1000);
    if (payload.consumed === undefined) {
      const entry = this.#entries.get(key)!;
      entry.json = JSON.stringify({ ...payload, consumed: now });
      return 'consumed';
    }
    if (now - payload.consumed < (payload.reuseGrace ?? 0)) return 'grace';
    const grant = owningGrant(model, id, payload.grantId);
    if (grant) await this.revokeByGrantId(grant);
    return 'reused';
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
  }

  async destroy(model: string, id: string): Promise<void> {
    this.#delete(artifactKey(model, id));
  }

  async revokeByGrantId(grantId: string, models?: readonly string[]): Promise<void> {
    if (models?.length === 0) return;
    const grantKey = grantIndexKey(grantId);
    const members = this.#grants.get(grantKey);
    for (const key of members ?? []) {
      if (!models || models.includes(modelOfKey(key))) {
        this.#delete(key);
        members!.delete(key);
      }
    }
    if (!models) {
      this.#delete(artifactKey('Grant', grantId));
      this.#grants.delete(grantKey);
    }
  }

  /** Every stored key and value, for tests that check nothing is kept in plain form. */
  dump(): string[] {
    return [...this.#entries].flatMap(([key, entry]) => [key, entry.json]).concat([...this.#lookups.keys()]);
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

  #readLookup(lookup: string): Payload | undefined {
    const key = this.#lookups.get(lookup);
    return key === undefined ? undefined : this.#read(key);
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    if (entry.grantKey) this.#grants.get(entry.grantKey)?.delete(key);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#delete(key);
    }
    for (const [lookup, key] of this.#lookups) {
      if (!this.#entries.has(key)) this.#lookups.delete(lookup);
    }
    for (const [grantKey, members] of this.#grants) {
      if (members.size === 0) this.#grants.delete(grantKey);
    }
  }
}

function artifactKey(model: string, id: string): string {
  return `${model}:${digest(id)}`;
}

function modelOfKey(key: string): string {
  return key.slice(0, key.indexOf(':'));
}

function grantIndexKey(grantId: string): string {
  return `grant:${digest(grantId)}`;
}

function lookupKey(kind: 'uid' | 'userCode', model: string, value: string): string {
  return `${kind}:${model}:${digest(value)}`;
}
