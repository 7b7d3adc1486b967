// A ServiceAccount client assertion for benches, with the bench playing both kube-apiserver and the controller: it
// signs one RS256 token for `bench/machine` as kube-apiserver does (2048-bit key, `aud` = Purser's issuer, an hour of
// life) and publishes the cluster issuer's key to Redis (`<prefix>workload-issuers`), as issuer discovery would.
import { generateKeyPairSync, sign } from 'node:crypto';

import { createRedisStore } from '../../src/store/redis/index.ts';

const CLUSTER_ISSUER = 'https://kubernetes.default.svc';

/** A token as kube-apiserver mints it for `bench/machine`, valid for an hour, and the public key that verifies it. */
function serviceAccountToken(audience: string): { token: string; jwk: { kty: string } } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'bench-sa-key';
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iss: CLUSTER_ISSUER, sub: 'system:serviceaccount:bench:machine', aud: [audience], iat: now, nbf: now, exp: now + 3600, jti: 'bench', 'kubernetes.io': { namespace: 'bench', serviceaccount: { name: 'machine', uid: '00000000-0000-0000-0000-000000000000' } } };
  const signed = `${encode({ alg: 'RS256', kid })}.${encode(claims)}`;
  return { token: `${signed}.${sign('sha256', Buffer.from(signed), privateKey).toString('base64url')}`, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } as { kty: string } };
}

/**
 * Publishes a new cluster issuer key to the Redis at `redisUrl` (under `prefix`) and returns a ServiceAccount token
 * for `issuer` that it verifies. A Purser server reads published keys again at most once a second when a token
 * names an issuer it does not hold: the first requests may fail for that long.
 */
export async function publishServiceAccountToken(redisUrl: string, prefix: string, issuer: string): Promise<string> {
  const { token, jwk } = serviceAccountToken(issuer);
  const store = await createRedisStore({ url: redisUrl, mode: 'standalone', prefix });
  try {
    await store.workloadIssuers.put({ issuers: [{ issuer: CLUSTER_ISSUER, keys: [jwk] }], readAt: Math.floor(Date.now() / 1000) }, 3600);
  } finally {
    await store.close();
  }
  return token;
}

/** The client_credentials body authenticating as `clientId` with `token` (RFC 7523 §2.2), as the README's curl sends it. */
export function assertionBody(grantBody: string, clientId: string, token: string): string {
  return `${grantBody}&${new URLSearchParams({ client_id: clientId, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: token })}`;
}
