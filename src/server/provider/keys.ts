// Signing keys (JWKS) and cookie keys: from mounted files in production, generated per process in dev mode.
import { readFile } from 'node:fs/promises';

import { canSign, generateCookieKey, SIGNING_ALGORITHMS, type Jwk, type Jwks } from '../../api/key-set.ts';

export { generateSigningKeys } from '../../api/key-set.ts';
export type { Jwk, Jwks } from '../../api/key-set.ts';

export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

/** The set's keys, provided it holds a key that may sign for every algorithm Purser signs with. */
function checkSigningKeys(jwks: { keys?: Jwk[] }, source: string): Jwks {
  const keys = jwks.keys ?? [];
  for (const alg of SIGNING_ALGORITHMS) {
    if (!keys.some((key) => key.alg === alg && canSign(key))) {
      throw new KeyFileError(`${source}: needs a private ${alg} key with "alg": "${alg}" that may sign (run: purser generate-keys)`);
    }
  }
  return { keys };
}

export function parseSigningKeys(text: string, source: string): Jwks {
  let jwks: { keys?: Jwk[] };
  try {
    jwks = JSON.parse(text) as { keys?: Jwk[] };
  } catch (error) {
    // V8's message quotes the text around the fault, which here is private key material: keep only the position.
    const position = /at position \d+/.exec((error as Error).message);
    throw new KeyFileError(`${source}: cannot read a JSON Web Key Set (not valid JSON${position ? ` ${position[0]}` : ''})`);
  }
  return checkSigningKeys(jwks, source);
}

export async function loadSigningKeys(path: string): Promise<Jwks> {
  return parseSigningKeys(await readFile(path, 'utf8'), path);
}

export function generateCookieKeys(): string[] {
  return [generateCookieKey()];
}

/** One key per line, newest first; shorter than 32 characters is refused (HMAC keys must not be guessable). */
export function parseCookieKeys(text: string, source: string): string[] {
  const keys = text.split('\n').map((line) => line.trim()).filter(Boolean);
  if (keys.length === 0 || keys.some((key) => key.length < 32)) {
    throw new KeyFileError(`${source}: needs one or more cookie keys, one per line, each at least 32 characters`);
  }
  return keys;
}

export async function loadCookieKeys(path: string): Promise<string[]> {
  return parseCookieKeys(await readFile(path, 'utf8'), path);
}
