// The oidc-provider Adapter over a Store: models map to artifacts, the `Client` model to the client catalog.
// Ids leave here only as arguments (the backends hash them); `jti` is dropped from payloads and restored on read.
import type { CachedClientCatalog } from './cached-catalog.ts';
import { adapterRequests } from './adapter-request.ts';
import { openSuccessor, sealSuccessor } from './successor-seal.ts';
import { narrowGrant } from './grant-scopes.ts';
import { refuseUnspent } from './spend-refusal.ts';
import type { ArtifactStore, ClientRecord, Payload } from './types.ts';
import { keyedUserCode, type UserCodeKeys } from './user-code-key.ts';

/** Keys nothing should outlive: used when oidc-provider gives no expiry. */
const FALLBACK_TTL_SECONDS = 14 * 86400;

/**
 * How long past expiry an artifact is kept, so that presenting it late is answered "expired" rather than
 * "not recognised" (a rotated refresh token presented before its expiry is reported, and revokes, as reuse). A device
 * still polling after its code expired must hear expired_token (RFC 8628 §3.5), and a person typing it "expired".
 */
const KEPT_AFTER_EXPIRY_SECONDS: Record<string, number> = { RefreshToken: 86400, AuthorizationCode: 600, DeviceCode: 600 };

/**
 * A device code's id, sealed under its keyed user code (the store keeps neither in plain form: ids as digests, the user
 * code only keyed with a server-side secret, user-code-key.ts, as the digest in its lookup key). oidc-provider finds a
 * device code by the user code a person types and saves it back by id, so the id must come back from the user code
 * and that secret alone.
 */
const SEALED_ID = 'sealedId';
/** The HKDF info label of that seal (exported for the store conformance test's brute force). */
export const DEVICE_CODE_SEAL = 'purser device code id v1';

function openDeviceCodeId(keyedCode: string, sealed: string): string | undefined {
  try {
    return openSuccessor(keyedCode, sealed, DEVICE_CODE_SEAL);
  } catch {
    return undefined;
  }
}

/** The extra client metadata property that carries Purser's part of a record into oidc-provider's Client. */
export const PURSER_METADATA = 'purser';

export type PurserClientMetadata = Pick<ClientRecord, 'secrets' | 'policy' | 'owner'>;

/**
 * oidc-provider client metadata for a record. oidc-provider insists on a `client_secret` for confidential clients;
 * it gets a digest, which no one can present, and `compareClientSecret` checks the real hashes.
 */
export function clientMetadata(record: ClientRecord): Record<string, unknown> {
  const [current] = record.secrets;
  const purser: PurserClientMetadata = { secrets: record.secrets, policy: record.policy, owner: record.owner };
  return {
    ...record.metadata,
    // A client of ServiceAccounts alone has no secret at all: a placeholder no presented secret can match (no digest).
    ...(current ? { client_secret: `sha256:${current.digest}` } : record.policy.serviceAccounts?.length ? { client_secret: 'no-secret' } : {}),
    [PURSER_METADATA]: purser,
  };
}

/**
 * The oidc-provider Adapter class over `artifacts` and `clients`; `userCodes` keys device flows' user codes before
 * they reach the store (a new class per key set: providerFor builds one per cookie key change).
 */
export function createAdapterClass(artifacts: ArtifactStore, clients: CachedClientCatalog, userCodes: UserCodeKeys) {
  return class PurserAdapter {
    readonly name: string;

    constructor(name: string) {
      this.name = name;
    }

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      if (this.name === 'Client') throw new Error('clients are managed through OAuthClient resources');
      const { stored, ttl } = await this.#prepare(id, payload, expiresIn);
      const request = adapterRequests.getStore();
      if (request?.hold({ model: this.name, id, payload: stored, expiresIn: ttl })) return;
      await artifacts.upsert(this.name, id, stored, ttl);
    }

    /**
     * Stores what this request's refresh held back (the presented token's consumption, its successor, the access
     * token) in one atomic ArtifactStore.rotate; nothing when there is none. Throws InvalidGrant as `consume` does.
     */
    async commit(): Promise<void> {
      await adapterRequests.getStore()?.commit(artifacts);
    }

    /** Undoes the consumption of the authorization code `id` whose tokens the store refused (ArtifactStore.unconsume). */
    async unconsume(id: string): Promise<void> {
      await artifacts.unconsume(this.name, id);
    }

    async #prepare(id: string, payload: Payload, expiresIn: number | undefined): Promise<{ stored: Payload; ttl: number }> {
      const { jti: _jti, ...stored } = this.name === 'Interaction' ? withoutInteractionIds(payload, id) : payload;
      if (this.name === 'DeviceCode' && typeof stored.userCode === 'string') {
        stored.userCode = keyedUserCode(userCodes.write, stored.userCode);
        stored[SEALED_ID] = sealSuccessor(stored.userCode, id, DEVICE_CODE_SEAL);
      }
      if (this.name === 'RefreshToken' && typeof stored.clientId === 'string') {
        const record = await clients.get(stored.clientId);
        stored.reuseGrace = record?.policy.refreshTokenReuseGracePeriod ?? 0;
      }
      return { stored, ttl: (expiresIn ?? FALLBACK_TTL_SECONDS) + (KEPT_AFTER_EXPIRY_SECONDS[this.name] ?? 0) };
    }

    async find(id: string): Promise<Payload | undefined> {
      if (this.name === 'Client') {
        const record = await clients.get(id);
        return record && clientMetadata(record);
      }
      const request = adapterRequests.getStore();
      if (this.name === 'RefreshToken' && request) return restore(await request.findRefreshToken(artifacts, id), id);
      const found = restore(this.name === 'Grant' && request?.holdsGrant(id) ? request.takeGrant(id) : await artifacts.find(this.name, id), id);
      if (this.name === 'Grant' && found && typeof found.clientId === 'string') {
        const record = await clients.get(found.clientId);
        return record ? narrowGrant(found, record.policy.scopes) : found;
      }
      return found;
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      // Sessions found by uid are only read, never saved back, so they need no `jti`.
      return restore(await artifacts.findByUid(this.name, uid), undefined);
    }

    /** The device code a person typed the user code of, with its id (oidc-provider saves it back under that id). */
    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      // Under every key at once: auto-pipelining sends them together, so a key rotation's overlap costs no round trip.
      const keyed = userCodes.read.map((key) => keyedUserCode(key, userCode));
      const results = await Promise.all(keyed.map((code) => artifacts.findByUserCode(this.name, code)));
      const at = results.findIndex((result) => result !== undefined);
      if (at < 0) return undefined;
      const { [SEALED_ID]: sealed, ...payload } = results[at]!;
      // oidc-provider checks that the payload's user code is the one asked for; the store keeps it only as a digest.
      return restore({ ...payload, userCode }, typeof sealed === 'string' ? openDeviceCodeId(keyed[at]!, sealed) : undefined);
    }

    async consume(id: string): Promise<void> {
      // The refresh token a refresh_token grant spends: consumed by `commit`, with what it buys.
      if (this.name === 'RefreshToken' && adapterRequests.getStore()?.spent === id) return;
      refuseUnspent(this.name, await artifacts.consume(this.name, id));
    }

    async destroy(id: string): Promise<void> {
      await artifacts.destroy(this.name, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await artifacts.revokeByGrantId(grantId, [this.name]);
    }
  };
}

/** Marks where an Interaction's own id stood in its `returnTo` URL. */
const OWN_ID = ':interaction-id';

/**
 * An Interaction's payload repeats ids a dump must not show: its own id (the end of `returnTo`) and the session's
 * cookie value, which oidc-provider never reads back.
 */
function withoutInteractionIds(payload: Payload, id: string): Payload {
  const session = payload.session as Record<string, unknown> | undefined;
  const returnTo = typeof payload.returnTo === 'string' && payload.returnTo.endsWith(`/${id}`) ? `${payload.returnTo.slice(0, -id.length)}${OWN_ID}` : payload.returnTo;
  return { ...payload, returnTo, ...(session ? { session: { ...session, cookie: undefined } } : {}) };
}

/**
 * Puts `jti` back and hides a consumption that is still inside the reuse grace window, so oidc-provider treats a
 * retried refresh token as usable; ArtifactStore.rotate then confirms the window atomically. Changes `payload` in
 * place: every payload a store returns is a new object of the caller's.
 */
function restore(payload: Payload | undefined, id: string | undefined): Payload | undefined {
  if (!payload) return undefined;
  if (id !== undefined) {
    payload.jti = id;
    if (typeof payload.returnTo === 'string' && payload.returnTo.endsWith(OWN_ID)) payload.returnTo = payload.returnTo.slice(0, -OWN_ID.length) + id;
  }
  if (payload.consumed !== undefined && Math.floor(Date.now() / 1000) - payload.consumed < (payload.reuseGrace ?? 0)) {
    delete payload.consumed;
  }
  return payload;
}
