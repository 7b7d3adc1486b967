// The trusted ServiceAccount issuers' public keys in process memory, imported once per key (by issuer and kid), so a
// token request verifies with a ready KeyObject and never parses a JWKS. Refreshed from the store every
// ISSUER_POLL_MS, and at once (at most once a second) when a token names an issuer or kid not held yet.
import { createPublicKey, type JsonWebKeyInput, type KeyObject } from 'node:crypto';

import type { WorkloadIssuerRecord, WorkloadIssuerStore } from '../../store/types.ts';

/** How often a server reads the published issuers again: well within the controller's refresh period. */
export const ISSUER_POLL_MS = 10_000;
/** A token with an unknown issuer or kid triggers a read at most this often. */
const MISS_REFRESH_MS = 1_000;

/** One usable key: its `kid` (if the JWKS gives one) and the imported key. */
export interface IssuerKey {
  kid?: string;
  key: KeyObject;
}

/** Issuer → its keys; `undefined` until a record was read. */
export type IssuerKeyMap = ReadonlyMap<string, readonly IssuerKey[]>;

/** Imports `record`'s keys; a key Node cannot import (a private or unknown key type) is left out. */
export function importIssuers(record: WorkloadIssuerRecord): IssuerKeyMap {
  const map = new Map<string, IssuerKey[]>();
  for (const { issuer, keys } of record.issuers) {
    const imported: IssuerKey[] = [];
    for (const jwk of keys) {
      try {
        const key = createPublicKey({ key: jwk, format: 'jwk' } as JsonWebKeyInput);
        if (key.type === 'public') imported.push({ ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}), key });
      } catch {
        // Skipped: one bad key in a JWKS must not take the issuer's other keys with it.
      }
    }
    map.set(issuer, [...(map.get(issuer) ?? []), ...imported]);
  }
  return map;
}

export class IssuerKeys {
  readonly #store: WorkloadIssuerStore;
  readonly #now: () => number;
  #keys: IssuerKeyMap | undefined;
  /** The serialised record last imported: an unchanged record is not imported again. */
  #imported = '';
  #lastRead = 0;
  #reading: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(store: WorkloadIssuerStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /** Reads now and then every ISSUER_POLL_MS; a failed read keeps the keys held (the store may be down). */
  start(): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), ISSUER_POLL_MS).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** The keys held, without I/O. */
  get current(): IssuerKeyMap | undefined {
    return this.#keys;
  }

  /** One read of the store at a time; the keys change only when the record did. A record gone keeps the last keys. */
  refresh(): Promise<void> {
    this.#reading ??= (async () => {
      try {
        this.#lastRead = this.#now();
        const record = await this.#store.get();
        if (!record) return;
        const serialised = JSON.stringify(record.issuers);
        if (serialised === this.#imported) return;
        this.#keys = importIssuers(record);
        this.#imported = serialised;
      } catch {
        // Kept: verification goes on with the last good keys while the store is unreachable.
      } finally {
        this.#reading = undefined;
      }
    })();
    return this.#reading;
  }

  /** The keys after a fresh read if `issuer` (or its `kid`) is not held and the last read is over a second old; a read under way is waited for. */
  async forToken(issuer: string, kid: string | undefined): Promise<IssuerKeyMap | undefined> {
    // A read under way (the first one, at start) is waited for rather than answered with nothing.
    if (this.#reading) await this.#reading;
    const known = this.#keys?.get(issuer);
    const held = known && (kid === undefined || known.some((key) => key.kid === kid));
    if (!held && this.#now() - this.#lastRead >= MISS_REFRESH_MS) await this.refresh();
    return this.#keys;
  }
}
