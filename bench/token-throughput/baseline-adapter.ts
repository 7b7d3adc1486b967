// A lean in-memory oidc-provider adapter for the baseline: plain Maps, O(1) per operation, lazy expiry.
// oidc-provider's own memory adapter rescans every member of a grant on each upsert (setGrantMembers), and a
// rotating refresh chain adds two members per rotation, so its cost per token grows for as long as a chain
// runs: ~100 µs per token after a few thousand rotations here, more than all of Purser's Redis work. Measuring
// against that would flatter Purser and make the ratio depend on BENCH_DURATION; this keeps the baseline's
// storage close to free, which is what a bare-provider baseline should mean. BENCH_BASELINE_ADAPTER=memory
// switches back to the stock adapter.
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  /** Epoch ms; Infinity when oidc-provider gave no lifetime. */
  expiresAt: number;
}

const entries = new Map<string, Entry>();
/** Keys of each grant's artifacts, for revokeByGrantId. */
const grants = new Map<string, Set<string>>();
const byUid = new Map<string, string>();
const byUserCode = new Map<string, string>();

export class MapAdapter implements Adapter {
  readonly #model: string;

  constructor(model: string) {
    this.#model = model;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  #get(key: string): AdapterPayload | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    entries.set(key, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    if (payload.grantId) {
      let members = grants.get(payload.grantId);
      if (!members) grants.set(payload.grantId, (members = new Set()));
      members.add(key);
    }
    if (payload.uid) byUid.set(payload.uid, id);
    if (payload.userCode) byUserCode.set(payload.userCode, id);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#get(this.#key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = byUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = byUserCode.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const payload = this.#get(this.#key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    entries.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of grants.get(grantId) ?? []) entries.delete(key);
    grants.delete(grantId);
  }
}
