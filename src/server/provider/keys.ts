// Signing keys (JWKS) and cookie keys: from mounted files in production, generated per process in dev mode.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  [member: string]: unknown;
}

export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

/** One ES256 key (access tokens) and one RS256 key (id_tokens), private parts included. */
export function generateSigningKeys(): { keys: Jwk[] } {
  const es = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const rs = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  return {
    keys: [
      { ...es, kty: 'EC', kid: `es256-${randomUUID()}`, alg: 'ES256', use: 'sig' },
      { ...rs, kty: 'RSA', kid: `rs256-${randomUUID()}`, alg: 'RS256', use: 'sig' },
    ],
  };
}

export async function loadSigningKeys(path: string): Promise<{ keys: Jwk[] }> {
  let jwks: { keys?: Jwk[] };
  try {
    jwks = JSON.parse(await readFile(path, 'utf8')) as { keys?: Jwk[] };
  } catch (error) {
    throw new KeyFileError(`${path}: cannot read a JSON Web Key Set (${(error as Error).message})`);
  }
  const keys = jwks.keys ?? [];
  for (const alg of ['ES256', 'RS256']) {
    if (!keys.some((key) => key.alg === alg && 'd' in key)) {
      throw new KeyFileError(`${path}: needs a private ${alg} key with "alg": "${alg}" (run: purser generate-keys)`);
    }
  }
  return { keys };
}

export function generateCookieKeys(): string[] {
  return [randomBytes(32).toString('base64url')];
}

export async function loadCookieKeys(path: string): Promise<string[]> {
  const keys = (await readFile(path, 'utf8')).split('\n').map((line) => line.trim()).filter(Boolean);
  if (keys.length === 0 || keys.some((key) => key.length < 32)) {
    throw new KeyFileError(`${path}: needs one or more cookie keys, one per line, each at least 32 characters`);
  }
  return keys;
}
