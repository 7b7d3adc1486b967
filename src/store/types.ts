// The store contract: what the server and the controller may ask of a backend, and what every backend guarantees.
// `test/store/conformance.ts` checks each rule below against every implementation.
import type { AudienceAdmission } from '../api/admission.ts';

/** An oidc-provider model payload, as oidc-provider hands it over (minus `jti`, which never reaches a backend). */
export interface Payload {
  grantId?: string;
  uid?: string;
  userCode?: string;
  /** Epoch seconds at which `consume` first succeeded. Set by the backend only. */
  consumed?: number;
  /** Seconds after `consumed` during which `consume` answers `grace` instead of revoking the grant; 0 means never. */
  reuseGrace?: number;
  [claim: string]: unknown;
}

/**
 * - `consumed`: this call consumed the artifact; every concurrent or later call gets something else.
 * - `grace`: already consumed, but within the payload's `reuseGrace` window, and its successor (`rotate`), if it has
 *   one yet, is still unconsumed; the caller may proceed, and `rotate` hands it that same successor.
 * - `reused`: already consumed and outside the grace window; the backend has revoked the whole grant.
 * - `missing`: no such artifact (never stored, expired or revoked).
 */
export type ConsumeOutcome = 'consumed' | 'grace' | 'reused' | 'missing';

/** An artifact to store: what `upsert` takes, for the writes `rotate` makes together. */
export interface ArtifactWrite {
  model: string;
  id: string;
  payload: Payload;
  /** Seconds. */
  expiresIn: number;
}

/**
 * Short-lived OAuth artifacts (codes, sessions, grants, tokens, interactions), keyed by oidc-provider model name
 * and id.
 *
 * Rules every implementation follows:
 * - Ids are stored only as a SHA-256 digest: neither keys nor values hold an id in plain form.
 * - Every artifact expires after the `expiresIn` seconds given to its last `upsert`; nothing needs a cleanup job.
 * - Artifacts of the grant-bound models (keys.ts) whose payload carries a `grantId` belong to that grant:
 *   `revokeByGrantId` removes them. Their ids start with the grant's tag (`grantBoundId` in keys.ts), which keeps a
 *   grant in one Redis Cluster slot.
 * - A Grant belongs to the client of its payload's `clientId`, and so do ClientCredentials tokens (their ids start
 *   with the client's tag, `clientBoundId`): `revokeByClientId` removes them.
 * - The indexes behind both revocations expire with what they hold, renewals included, and drop members that have
 *   expired as they are written, so neither grows with a long refresh chain or a busy client.
 * - `consume` and `rotate` are atomic: of any number of concurrent calls of either for one id, across any number of
 *   processes sharing the backend, exactly one returns `consumed`.
 */
export interface ArtifactStore {
  upsert(model: string, id: string, payload: Payload, expiresIn: number): Promise<void>;
  /** The payload, or `undefined` when absent or expired. */
  find(model: string, id: string): Promise<Payload | undefined>;
  /**
   * Whether the Grant that `reference` (`grantReference` in keys.ts) names is stored and unexpired: false once it is
   * destroyed, revoked (`revokeByGrantId`, `revokeByClientId`, reuse in `consume`) or expired, and for anything not
   * shaped like a reference. One round trip; introspection of a JWT access token asks it.
   */
  grantExists(reference: string): Promise<boolean>;
  /** Looks a payload up by its `uid` (Session, Interaction). */
  findByUid(model: string, uid: string): Promise<Payload | undefined>;
  /** Looks a payload up by its `userCode` (DeviceCode). */
  findByUserCode(model: string, userCode: string): Promise<Payload | undefined>;
  consume(model: string, id: string): Promise<ConsumeOutcome>;
  /**
   * A grant-bound artifact (a refresh token) and, read with it in one round trip, the Grant its payload names
   * (undefined when that grant is gone). `undefined` when the artifact is absent or expired.
   */
  findWithGrant(model: string, id: string): Promise<{ payload: Payload; grant: Payload | undefined } | undefined>;
  /**
   * Consumes the refresh token `spentId` (of `successor.model`) as `consume` would and, in the same atomic step, stores
   * what its presentation buys: `successor` (as `upsert` would), linked to the spent token as its one successor with
   * `sealed` (its id, sealed by the caller so that only a holder of the spent id can open it) kept beside it, and
   * `alongside` (the access token). `successor` and `alongside` belong to the spent token's grant (their payloads carry
   * its `grantId`), so on Redis every key lies in one Cluster slot. Their ids are newly minted (never stored before), so
   * a backend may create them without looking for an earlier version. By the consumption's outcome:
   * - `consumed`: all stored.
   * - `grace`: without `linked`, all stored (the token was spent, but nothing linked to it yet: a replica died in
   *   between); with `linked`, an earlier presentation's successor, sealed, only `alongside` is stored: of any number of
   *   concurrent rotations of one token, across processes, one successor is stored and every other gets it, so a family
   *   never forks (RFC 9700 §4.14.2).
   * - `reused` (the grant is revoked, as by `consume`) and `missing`: nothing stored.
   * A backend that refuses the write (a full Redis) refuses it whole: the spent token is then left unconsumed. One
   * that times out and runs it later (a stalled Redis) keeps the successor beside the spent token for a retry window,
   * so that a retry gets `grace` with it (the Redis store's STALLED_ROTATION_RETRY_SECONDS).
   */
  rotate(spentId: string, successor: ArtifactWrite, sealed: string, alongside?: ArtifactWrite): Promise<{ outcome: ConsumeOutcome; linked?: string }>;
  /**
   * Undoes `consume` of `id` while no successor is linked to it: the caller consumed it (an authorization code), then
   * the store refused what it buys, so the presenter, told to retry, must find it unconsumed rather than be taken for
   * reuse. Only removes (allowed by a full Redis). A no-op when the artifact is gone or already has a successor.
   */
  unconsume(model: string, id: string): Promise<void>;
  /**
   * Extends an existing artifact's life to `expiresIn` seconds from now (its TTL and its payload's `exp`), unless it
   * already lives longer. Changes nothing else, so it cannot undo a concurrent write or bring back a revoked artifact.
   */
  renew(model: string, id: string, expiresIn: number): Promise<void>;
  destroy(model: string, id: string): Promise<void>;
  /** Removes the grant's artifacts of the given models (none for `[]`), or all of them, the Grant included, when omitted. */
  revokeByGrantId(grantId: string, models?: readonly string[]): Promise<void>;
  /**
   * Removes everything issued to a client: each of its Grants with all that grant's artifacts (authorization codes,
   * access and refresh tokens), and its stored ClientCredentials tokens (JWT ones are never stored, and stay valid
   * until they expire). Other clients' artifacts stay. Idempotent: a second call, or a call for a client with
   * nothing stored, removes nothing and succeeds; a call cut short is finished by the next one. It takes round trips
   * in proportion to the client's grants: not for request paths. Call it after the client is gone from the catalog,
   * so that nothing new is issued meanwhile.
   */
  revokeByClientId(clientId: string): Promise<void>;
}

/** A client secret as stored: a salted SHA-256 digest, never the secret. */
export interface SecretHash {
  salt: string;
  digest: string;
  /** Epoch seconds after which this secret stops working (a rotated-out secret during its overlap). */
  notAfter?: number;
}

/** Per-client rules oidc-provider metadata has no field for. */
export interface ClientPolicy {
  /** Every scope the client may request (OpenID Connect and API scopes). */
  scopes: string[];
  /** Allowed resource indicators; the first is the default audience. */
  audiences: string[];
  accessTokenFormat: 'jwt' | 'opaque';
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  refreshTokenAbsoluteLifetime?: number;
  /** Seconds a rotated refresh token may be presented again without revoking its grant. */
  refreshTokenReuseGracePeriod: number;
  requirePkce: boolean;
  skipConsent: boolean;
  /** Browser origins allowed to call the token, userinfo and revocation endpoints. */
  corsOrigins: string[];
  /** Logout revokes the session's offline_access grant of this client too (absent in records written before it: false). */
  revokeOfflineAccessOnLogout?: boolean;
  /** ServiceAccounts of the client's namespace whose tokens authenticate as it (their names); absent: none. */
  serviceAccounts?: string[];
}

/** What the controller (or dev mode's file source) writes for each client, and all the server needs to serve it. */
export interface ClientRecord {
  clientId: string;
  /** The `namespace/name` of the OAuthClient resource this record comes from. */
  owner: string;
  /** oidc-provider client metadata (snake_case), without `client_secret`. */
  metadata: Record<string, unknown>;
  /** Valid secrets, newest first; empty for public clients. */
  secrets: SecretHash[];
  policy: ClientPolicy;
  /**
   * Set when its OAuthClient was deleted with deletionPolicy Orphan: the record keeps serving without a resource,
   * drift removal leaves it, and the first OAuthClient that asks for its client_id takes it over.
   */
  orphaned?: boolean;
}

/**
 * The client catalog: the only data without a TTL.
 * `put` and `delete` notify every process sharing the backend through `onChange`, so cached copies are
 * dropped within a second of a change.
 */
/** Passed to `onChange` listeners when changes may have been missed (a reconnect): drop every cached record. */
export const ALL_CLIENTS = '*';

export interface ClientCatalog {
  get(clientId: string): Promise<ClientRecord | undefined>;
  put(record: ClientRecord): Promise<void>;
  /** Returns whether a record was removed. */
  delete(clientId: string): Promise<boolean>;
  /** Every record. Not for request paths. */
  list(): Promise<ClientRecord[]>;
  /**
   * Those of `clientIds` that have no record, in the order given: one pipelined round trip on Redis (per Cluster
   * node), cheap enough to ask every few seconds for every client (the controller's catalog watch). Not for request paths.
   */
  missing(clientIds: readonly string[]): Promise<string[]>;
  /** Calls `listener` with the client_id of every change, made here or in another process; returns an unsubscribe. */
  onChange(listener: (clientId: string) => void): () => void;
}

/** Fixed-window counters for rate limits, shared by every process; keys are stored as digests. */
export interface RateCounters {
  /** Counts one event under `key` and returns the count in the current window of `windowSeconds`. */
  hit(key: string, windowSeconds: number): Promise<number>;
  /** The count under `key` in its current window, without counting; 0 when there is none. */
  count(key: string): Promise<number>;
  /** Takes back one hit under `key` in its current window (never below 0; the window's end stays). */
  release(key: string): Promise<void>;
}

/**
 * What the controller (or dev mode) writes for each OAuthAPI that holds its audience: who may get which scopes,
 * resolved to client_ids, so that the server decides a token request from this record alone.
 */
export interface ApiRecord extends AudienceAdmission {
  /** Scope name → the description the consent page shows. */
  descriptions: Record<string, string>;
  displayName?: string;
  /** The OAuthAPI's access-token policy for its audience; unset fields keep the client's. */
  accessToken?: { format?: 'jwt' | 'opaque'; ttl?: number };
  /** client_ids that may introspect this audience's tokens (RFC 7662), besides the token's own client. */
  resourceServers: string[];
}

/** Passed to `ApiCatalog.onChange` listeners when changes may have been missed: drop every cached record. */
export const ALL_APIS = '*';

/**
 * The API catalog: one record per audience, without a TTL, like the client catalog. `put` and `delete` notify
 * every process sharing the backend through `onChange` (the channel `<prefix>apis:changed` on Redis), so a deleted
 * OAuthAPI stops new tokens for its audience within one notification.
 */
export interface ApiCatalog {
  get(audience: string): Promise<ApiRecord | undefined>;
  put(record: ApiRecord): Promise<void>;
  /** Returns whether a record was removed. */
  delete(audience: string): Promise<boolean>;
  /** Every record. Not for request paths. */
  list(): Promise<ApiRecord[]>;
  /** Calls `listener` with the audience of every change, here or in another process; returns an unsubscribe. */
  onChange(listener: (audience: string) => void): () => void;
}

/**
 * One logout token to deliver (OpenID Connect Back-Channel Logout 1.0 §2.4): what the token is signed from at each
 * attempt. Holds no credential; the token itself is signed at delivery, so a dump of the queue holds no token.
 */
export interface LogoutJob {
  /** The logout token's jti: the same on every attempt, so that a receiver can drop a repeat (§2.6). */
  jti: string;
  clientId: string;
  /** The account whose session ended (the token's `sub`). */
  sub: string;
  /** The session's id for this client (the token's `sid`, as in the id_tokens it was issued). */
  sid?: string;
}

/** A job taken for delivery, and which attempt this is (1 for the first). */
export interface ClaimedLogout {
  job: LogoutJob;
  attempt: number;
}

/**
 * The back-channel logout delivery queue, shared by every process on the backend so that any replica may deliver
 * what another enqueued. At-least-once: a job claimed by a process that dies is claimed again after its lease.
 * Every job expires `retentionSeconds` after it was enqueued, delivered or not; nothing needs a cleanup job.
 */
export interface LogoutQueue {
  /** Stores `job`, due now. */
  enqueue(job: LogoutJob, retentionSeconds: number): Promise<void>;
  /**
   * Takes up to `limit` due jobs and counts an attempt on each. A taken job is due again `leaseMs` later unless it is
   * finished or rescheduled first. Atomic: of concurrent claims across processes, each due job goes to one.
   */
  claim(limit: number, leaseMs: number): Promise<ClaimedLogout[]>;
  /** Makes a claimed job due again `delayMs` from now (a no-op when it is gone). */
  retryLater(jti: string, delayMs: number): Promise<void>;
  /**
   * Gives a claimed job back without an attempt: its attempt count is lowered by the one `claim` counted, and it is
   * due again `delayMs` from now (a no-op when it is gone). For a job taken but not tried (its client had its share of
   * concurrent deliveries).
   */
  release(jti: string, delayMs: number): Promise<void>;
  /** Removes a job: delivered, or given up. */
  finish(jti: string): Promise<void>;
}

/** A ServiceAccount token issuer (a cluster's service-account issuer) and its public keys, as its JWKS lists them. */
export interface WorkloadIssuer {
  issuer: string;
  keys: Array<{ kty: string; kid?: string; [member: string]: unknown }>;
}

/** What the controller publishes of the issuers whose ServiceAccount tokens authenticate clients. */
export interface WorkloadIssuerRecord {
  issuers: WorkloadIssuer[];
  /** Epoch seconds of the write (each issuer's keys are those of its last successful read). */
  readAt: number;
}

/**
 * The trusted ServiceAccount issuers and their keys: one value the controller writes (with a TTL, re-written on
 * every refresh, the last good copy when a read fails) and every server reads.
 */
export interface WorkloadIssuerStore {
  get(): Promise<WorkloadIssuerRecord | undefined>;
  put(record: WorkloadIssuerRecord, ttlSeconds: number): Promise<void>;
}

export interface Store {
  readonly artifacts: ArtifactStore;
  readonly workloadIssuers: WorkloadIssuerStore;
  readonly counters: RateCounters;
  readonly clients: ClientCatalog;
  readonly apis: ApiCatalog;
  readonly logouts: LogoutQueue;
  /** Resolves while the backend answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
