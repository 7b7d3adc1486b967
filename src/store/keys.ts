// How artifact ids become storage keys: a SHA-256 digest, grouped by grant or client so that each group's keys
// share a hash slot, and filed in the indexes that revoking a grant or a client walks.
import { hash } from 'node:crypto';

/**
 * Models whose artifacts belong to a grant and go when it is revoked. Others may mention a `grantId` too (an
 * Interaction does) without belonging to it.
 */
export const GRANT_BOUND_MODELS: ReadonlySet<string> = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken']);

/** Models whose artifacts belong to their client, without a grant, and go when the client is revoked. */
export const CLIENT_BOUND_MODELS: ReadonlySet<string> = new Set(['ClientCredentials']);

/** Length of the tag that prefixes the id of every grant- or client-bound artifact. */
export const TAG_LENGTH = 8;

export function digest(value: string): string {
  return hash('sha256', value, 'base64url');
}

/** How many grants' tag and digest `grantDigests` keeps. */
const GRANT_MEMO_SIZE = 1024;
const grantMemo = new Map<string, { tag: string; digest: string }>();

/**
 * A grant's tag and the digest of its id, remembered for the last GRANT_MEMO_SIZE grants: one refresh needs them
 * for two token ids and two index keys, and each is a SHA-256.
 */
function grantDigests(grantId: string): { tag: string; digest: string } {
  let digests = grantMemo.get(grantId);
  if (!digests) {
    digests = { tag: digest(`grant:${grantId}`).slice(0, TAG_LENGTH), digest: digest(grantId) };
    if (grantMemo.size >= GRANT_MEMO_SIZE) grantMemo.delete(grantMemo.keys().next().value!);
    grantMemo.set(grantId, digests);
  }
  return digests;
}

/**
 * A short, stable tag of a grant. Grant-bound ids start with it (see `grantBoundId`), so the key of such an
 * artifact can be derived from its id alone and still land in its grant's Redis Cluster slot.
 */
export function grantTag(grantId: string): string {
  return grantDigests(grantId).tag;
}

/** The same for a client: client-bound ids start with it, and the client's indexes live in its slot. */
export function clientTag(clientId: string): string {
  return digest(`client:${clientId}`).slice(0, TAG_LENGTH);
}

/** Length of a `digest` (SHA-256, base64url, unpadded). */
const DIGEST_LENGTH = 43;

/**
 * An opaque reference to a grant that a JWT access token carries (README "JWT access tokens and the grant"): the
 * grant's tag, then the digest its Redis key is named by. Neither the grant id nor any credential can be recovered
 * from it, and no endpoint accepts it; the store answers only whether that grant is still there (`grantExists`).
 */
export function grantReference(grantId: string): string {
  const { tag, digest: digested } = grantDigests(grantId);
  return tag + digested;
}

/** The `{tag, digest}` a `grantReference` is made of, or undefined for anything not shaped like one. */
export function parseGrantReference(reference: unknown): { tag: string; digest: string } | undefined {
  if (typeof reference !== 'string' || !/^[\w-]+$/.test(reference) || reference.length !== TAG_LENGTH + DIGEST_LENGTH) return undefined;
  return { tag: reference.slice(0, TAG_LENGTH), digest: reference.slice(TAG_LENGTH) };
}

/** The id to give a grant-bound artifact: its grant's tag, then the random part. */
export function grantBoundId(grantId: string, random: string): string {
  return grantTag(grantId) + random;
}

/** The id to give a client-bound artifact: its client's tag, then the random part. */
export function clientBoundId(clientId: string, random: string): string {
  return clientTag(clientId) + random;
}

/**
 * A set of keys that is revoked as a whole, named by a digest (never an id) and placed in its owner's slot by `tag`.
 * Members carry their expiry, so that expired ones can be dropped.
 */
export interface IndexRef {
  /** The hash-slot tag the index and all its members share (its grant's or client's). */
  tag: string;
  /** `<kind>:<digest of the owner's id>`. */
  name: string;
}

/** The artifacts of a grant, the Grant itself included. */
export function grantArtifacts(grantId: string): IndexRef {
  const { tag, digest: digested } = grantDigests(grantId);
  return { tag, name: `grant-artifacts:${digested}` };
}

/** The client-bound artifacts (ClientCredentials tokens) of a client. */
export function clientTokens(clientId: string): IndexRef {
  return { tag: clientTag(clientId), name: `client-tokens:${digest(clientId)}` };
}

/** The grants of a client: its members are `grantArtifacts` indexes, which live in their grants' slots. */
export function clientGrants(clientId: string): IndexRef {
  return { tag: clientTag(clientId), name: `client-grants:${digest(clientId)}` };
}

/**
 * The index an artifact is filed in, so that revoking the index removes it: a Grant its own, a grant-bound artifact
 * its payload's grant's, a client-bound artifact its payload's client's.
 */
export function owningIndex(model: string, id: string, payload: { grantId?: unknown; clientId?: unknown }): IndexRef | undefined {
  if (model === 'Grant') return grantArtifacts(id);
  if (GRANT_BOUND_MODELS.has(model) && typeof payload.grantId === 'string') return grantArtifacts(payload.grantId);
  if (CLIENT_BOUND_MODELS.has(model) && typeof payload.clientId === 'string') return clientTokens(payload.clientId);
  return undefined;
}

/**
 * The hash-slot tag of an artifact's key, from its id alone: a Grant's own tag; for grant- and client-bound models
 * the tag their id starts with. The same tag as its `owningIndex`, so both can be written by one script.
 */
export function slotTag(model: string, id: string): string | undefined {
  if (model === 'Grant') return grantTag(id);
  if (GRANT_BOUND_MODELS.has(model) || CLIENT_BOUND_MODELS.has(model)) return id.slice(0, TAG_LENGTH);
  return undefined;
}

/**
 * The JSON an artifact is kept as: without its `userCode`, which is kept only as the digest in its lookup key. The
 * adapter gives the store the user code keyed with a server secret and seals a device code's id under that (oidc-adapter.ts),
 * so it must not lie beside it.
 */
export function storedJson(payload: { userCode?: unknown }): string {
  if (payload.userCode === undefined) return JSON.stringify(payload);
  const { userCode: _userCode, ...kept } = payload;
  return JSON.stringify(kept);
}
