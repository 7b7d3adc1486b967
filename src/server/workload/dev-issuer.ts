// Workload identity without a cluster (dev mode): a local ServiceAccount issuer whose private key is a JWK file.
// The dev server publishes its public key as a trusted issuer; `purser mint-sa-token` signs a token with it, shaped
// as a projected ServiceAccount token (iss, sub, aud, iat, nbf, exp, kubernetes.io), to try the flow with curl.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { serviceAccountSubject } from '../../api/types.ts';
import type { WorkloadIssuerStore } from '../../store/types.ts';

/** The dev issuer's `iss`: an .invalid host, so no real cluster has it. */
export const DEV_ISSUER = 'https://purser.dev.invalid/service-accounts';
/** The dev server publishes once at start; long enough for any session. */
const DEV_PUBLISH_TTL_SECONDS = 365 * 24 * 3600;

type PrivateJwk = { kty: string; kid: string; [member: string]: unknown };

/** The key in `file`, made (ES256, mode 0600) when the file does not exist yet. */
export async function devIssuerKey(file: string): Promise<PrivateJwk> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as PrivateJwk;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const key = { ...jwk, kid: createHash('sha256').update(`${jwk.x}${jwk.y}`).digest('base64url').slice(0, 16) } as PrivateJwk;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(key)}\n`, { mode: 0o600 });
  return key;
}

/** Publishes the dev issuer's public key into `store` (dev mode's memory store). */
export async function publishDevIssuer(store: WorkloadIssuerStore, file: string): Promise<void> {
  const key = await devIssuerKey(file);
  const publicJwk = { ...createPublicKey(createPrivateKey({ key, format: 'jwk' })).export({ format: 'jwk' }), kty: 'EC', kid: key.kid, alg: 'ES256', use: 'sig' };
  await store.put({ issuers: [{ issuer: DEV_ISSUER, keys: [publicJwk] }], readAt: Math.floor(Date.now() / 1000) }, DEV_PUBLISH_TTL_SECONDS);
}

export interface MintOptions {
  namespace: string;
  serviceAccount: string;
  audience: string;
  /** Seconds; 600 by default, as short as a TokenRequest allows. */
  expirationSeconds?: number;
  /** Epoch seconds. */
  now?: number;
}

/** A ServiceAccount token signed by the dev issuer's key (ES256, JWS compact serialisation). */
export async function mintDevToken(file: string, { namespace, serviceAccount, audience, expirationSeconds = 600, now = Math.floor(Date.now() / 1000) }: MintOptions): Promise<string> {
  const key = await devIssuerKey(file);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'ES256', kid: key.kid, typ: 'JWT' });
  const payload = encode({
    iss: DEV_ISSUER,
    sub: serviceAccountSubject(namespace, serviceAccount),
    aud: [audience],
    iat: now,
    nbf: now,
    exp: now + expirationSeconds,
    'kubernetes.io': { namespace, serviceaccount: { name: serviceAccount } },
  });
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: createPrivateKey({ key, format: 'jwk' }), dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${signature.toString('base64url')}`;
}
