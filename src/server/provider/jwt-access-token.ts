// Tells whether a JWT is an access token this server issued and that still holds: the issuer, a key of ours, ES256,
// typ at+jwt (RFC 9068 §2.1) and not expired. Introspection and revocation both ask (RFC 7662 §2.2, RFC 7009 §2.2).
import { createLocalJWKSet, jwtVerify } from 'jose';

import type { Jwk } from './keys.ts';

/** The members of a JWK that verify; a private JWK would not be accepted for verification. */
const PUBLIC_MEMBERS = ['kty', 'kid', 'alg', 'crv', 'x', 'y', 'n', 'e'];
const publicPart = (key: Jwk): Jwk => Object.fromEntries(Object.entries(key).filter(([member]) => PUBLIC_MEMBERS.includes(member))) as Jwk;

/** `(issuer, token)` → the token's claims, or undefined for anything else (forged, expired, an id_token, garbage). */
export type AccessTokenVerifier = (issuer: string, token: string) => Promise<Record<string, unknown> | undefined>;

export function accessTokenVerifier(jwks: { keys: Jwk[] }): AccessTokenVerifier {
  const keys = createLocalJWKSet({ keys: jwks.keys.map(publicPart) as never });
  return async (issuer, token) => {
    try {
      return (await jwtVerify(token, keys, { issuer, typ: 'at+jwt', algorithms: ['ES256'] })).payload;
    } catch {
      return undefined;
    }
  };
}
