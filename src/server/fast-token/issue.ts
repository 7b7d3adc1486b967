// Issues the access token a Decision describes, as oidc-provider's ClientCredentials model would: the id from the
// model's own generateTokenId (with Purser's client tag, token-ids.ts), the claims in its order
// (lib/models/formats/jwt.js, opaque.js), a JWT signed with the key its keystore selects for ES256, an opaque token
// saved through the provider's adapter with the payload and lifetime the model would save.
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';

import type Provider from 'oidc-provider';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';

import { NodeSigningKey } from '../provider/node-signing-key.ts';
import { SERVICE_ACCOUNT_CLAIM } from '../workload/authenticate.ts';
import type { ServiceAccountIdentity } from '../workload/verify-token.ts';
import type { Decision } from './decide.ts';

/** The ES256 key oidc-provider signs access tokens with, and the JWS header segment it writes for them. */
interface Signer {
  key: KeyObject;
  header: string;
}

interface Keystore {
  selectForSign(options: { alg: string; use: string }): Array<Record<string, unknown> & { kid?: string }>;
}

interface Model {
  prototype: { generateTokenId(this: object): string };
  adapter: { upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void> };
}

const base64url = (text: string): string => Buffer.from(text).toString('base64url');

/** The signer for `provider`'s keystore (lib/models/formats/jwt.js getResourceServerConfig: `{ alg, typ, kid }`). */
function signerOf(provider: Provider): Signer | undefined {
  const { keystore } = instance(provider) as { keystore: Keystore };
  const [jwk] = keystore.selectForSign({ alg: 'ES256', use: 'sig' });
  if (!jwk) return undefined;
  const key = jwk instanceof NodeSigningKey ? jwk.privateKey : createPrivateKey({ key: jwk as never, format: 'jwk' });
  return { key, header: base64url(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid })) };
}

/** A compact JWS of `claims`: ECDSA P-256 with SHA-256, r‖s (RFC 7518 §3.4), signed on libuv's thread pool as jose does. */
function signJwt(signer: Signer, claims: object): Promise<string> {
  const input = `${signer.header}.${base64url(JSON.stringify(claims))}`;
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' }, (error, signature) => {
      if (error) reject(error);
      else resolve(`${input}.${signature.toString('base64url')}`);
    });
  });
}

/** What was issued: the token value, its id, the epoch seconds it was issued at, and its extra claims (extraTokenClaims). */
export interface Issued {
  value: string;
  jti: string;
  iat: number;
  extra: object | undefined;
}

export type Issuer = (clientId: string, identity: ServiceAccountIdentity | undefined, decision: Decision) => Promise<Issued>;

/** Issues for `provider`; `undefined` when its keystore has no ES256 key to sign with. */
export function issuerFor(provider: Provider): Issuer | undefined {
  const signer = signerOf(provider);
  if (!signer) return undefined;
  const model = provider.ClientCredentials as unknown as Model;
  return async (clientId, identity, { audience, scope, format, ttl }) => {
    // The model's own id: 43 random characters, an opaque one prefixed with the client's tag.
    const jti = model.prototype.generateTokenId.call({ kind: 'ClientCredentials', clientId, resourceServer: { accessTokenFormat: format } });
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + ttl;
    const extra = identity ? { [SERVICE_ACCOUNT_CLAIM]: identity.subject } : undefined;
    if (format === 'jwt') {
      const claims = { ...extra, jti, sub: clientId, iat, exp, scope, client_id: clientId, iss: provider.issuer, aud: audience };
      return { value: await signJwt(signer, claims), jti, iat, extra };
    }
    await model.adapter.upsert(jti, { iat, exp, scope, kind: 'ClientCredentials', jti, clientId, aud: audience, extra }, ttl);
    return { value: jti, jti, iat, extra };
  };
}
