// How artifact ids become storage keys: a SHA-256 digest, grouped by grant so one grant's keys share a hash slot.
import { hash } from 'node:crypto';

/**
 * Models whose artifacts belong to a grant and go when it is revoked. Others may mention a `grantId` too (an
 * Interaction does) without belonging to it.
 */
export const GRANT_BOUND_MODELS: ReadonlySet<string> = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken']);

/** Length of the grant tag that prefixes the id of every grant-bound artifact. */
export const GRANT_TAG_LENGTH = 8;

export function digest(value: string): string {
  return hash('sha256', value, 'base64url');
}

/**
 * A short, stable tag of a grant. Grant-bound ids start with it (see `grantBoundId`), so the key of such an
 * artifact can be derived from its id alone and still land in its grant's Redis Cluster slot.
 */
export function grantTag(grantId: string): string {
  return digest(`grant:${grantId}`).slice(0, GRANT_TAG_LENGTH);
}

/** The id to give a grant-bound artifact: its grant's tag, then the random part. */
export function grantBoundId(grantId: string, random: string): string {
  return grantTag(grantId) + random;
}

/** The grant an artifact belongs to: a Grant to itself, a grant-bound artifact to its payload's grant. */
export function owningGrant(model: string, id: string, grantId: unknown): string | undefined {
  if (model === 'Grant') return id;
  return GRANT_BOUND_MODELS.has(model) && typeof grantId === 'string' ? grantId : undefined;
}

/** The hash-slot group of an artifact: its grant's tag for grant-bound models and the Grant itself. */
export function groupOf(model: string, id: string): string | undefined {
  if (model === 'Grant') return grantTag(id);
  if (GRANT_BOUND_MODELS.has(model)) return id.slice(0, GRANT_TAG_LENGTH);
  return undefined;
}
