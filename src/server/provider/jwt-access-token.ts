// Tells whether a JWT is an access token this server issued and that still holds: the issuer, a key of ours, ES256,
// typ at+jwt (RFC 9068 §2.1), not expired, and the grant it names (grant-reference.ts) still stored, as an opaque
// token's grant must be. Introspection, revocation and token exchange all ask (RFC 7662 §2.2, RFC 7009 §2.2, RFC 8693).
import { createLocalJWKSet, jwtVerify } from 'jose';

import { GRANT_REFERENCE_CLAIM } from './grant-reference.ts';
import type { Jwk } from './keys.ts';

/** The members of a JWK that verify; a private JWK would not be accepted for verification. */
const PUBLIC_MEMBERS = ['kty', 'kid', 'alg', 'crv', 'x', 'y', 'n', 'e'];
const publicPart = (key: Jwk): Jwk => Object.fromEntries(Object.entries(key).filter(([member]) => PUBLIC_MEMBERS.includes(member))) as Jwk;

/**
 * `(issuer, token)` → the token's claims, or undefined for anything else (forged, expired, an id_token, garbage, a
 * token whose grant is gone: logout, revocation, its client deleted).
 */
export type AccessTokenVerifier = (issuer: string, token: string) => Promise<Record<string, unknown> | undefined>;

/** Whether the grant a `grantReference` names is still stored (ArtifactStore.grantExists): one round trip. */
export type GrantExists = (reference: string) => Promise<boolean>;

/**
 * A token without the claim (client_credentials: no grant) needs no lookup; one whose claim is not a stored grant's
 * reference is refused. Costs one Redis round trip per token that names a grant, none for a signature that fails.
 */
export function accessTokenVerifier(jwks: { keys: Jwk[] }, grantExists: GrantExists): AccessTokenVerifier {
  const keys = createLocalJWKSet({ keys: jwks.keys.map(publicPart) as never });
  return async (issuer, token) => {
    let claims: Record<string, unknown>;
    try {
      claims = (await jwtVerify(token, keys, { issuer, typ: 'at+jwt', algorithms: ['ES256'] })).payload;
    } catch {
      return undefined;
    }
    const grant = claims[GRANT_REFERENCE_CLAIM];
    if (grant === undefined) return claims;
    return typeof grant === 'string' && (await grantExists(grant)) ? claims : undefined;
  };
}
