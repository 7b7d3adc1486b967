// The server's key set, as the controller writes it into a Secret and the server reads it from mounted files:
// a JSON Web Key Set of private signing keys and a list of cookie keys.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';

/** Data keys of the Secret, and so the file names where it is mounted. */
export const KEY_SET_FILES = { jwks: 'jwks.json', cookieKeys: 'cookie-keys' } as const;

/** ES256 signs access tokens, RS256 id_tokens (what every OpenID Connect relying party supports). */
export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  /** `["verify"]` on a key that is published but must not sign (oidc-provider skips it when signing). */
  key_ops?: string[];
  [member: string]: unknown;
}

export interface Jwks {
  keys: Jwk[];
}

/** Whether oidc-provider may sign with `key`: a private key without a `key_ops` that forbids it. */
export const canSign = (key: Jwk): boolean => 'd' in key && (!key.key_ops || key.key_ops.includes('sign'));

export function generateSigningKey(alg: SigningAlgorithm): Jwk {
  const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = pair.privateKey.export({ format: 'jwk' }) as Jwk;
  return { ...jwk, kid: `${alg.toLowerCase()}-${randomUUID()}`, alg, use: 'sig' };
}

/** One key per algorithm, every one signing. */
export function generateSigningKeys(): Jwks {
  return { keys: SIGNING_ALGORITHMS.map(generateSigningKey) };
}

/** 256 bits, base64url: Koa signs cookies with HMAC-SHA256 over it. */
export const generateCookieKey = (): string => randomBytes(32).toString('base64url');
