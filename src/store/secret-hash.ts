// Client secrets at rest: a salted SHA-256 digest, compared in constant time.
// A fast hash is enough (and keeps token requests fast) because Purser's secrets carry 256 bits of entropy and
// user-supplied ones must be at least 32 characters: there is nothing to brute-force. Slow KDFs are for passwords.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

import type { SecretHash } from './types.ts';

function digestWithSalt(secret: string, salt: string): Buffer {
  return hash('sha256', salt + secret, 'buffer');
}

/** Decoded digests, kept as long as the (cached) record holding them lives: decoding is a third of a check. */
const decoded = new WeakMap<SecretHash, Buffer>();

function expectedDigest(secret: SecretHash): Buffer {
  let digest = decoded.get(secret);
  if (!digest) {
    digest = Buffer.from(secret.digest, 'base64url');
    decoded.set(secret, digest);
  }
  return digest;
}

export function hashSecret(secret: string, notAfter?: number): SecretHash {
  const salt = randomBytes(16).toString('base64url');
  return { salt, digest: digestWithSalt(secret, salt).toString('base64url'), ...(notAfter ? { notAfter } : {}) };
}

/** Whether `presented` matches one of `secrets` that has not passed its `notAfter` (epoch seconds). */
export function matchesSecret(secrets: readonly SecretHash[], presented: string, now = Date.now() / 1000): boolean {
  let matched = false;
  // Check every secret, matched or not, so the time taken says nothing about which one matched.
  for (const secret of secrets) {
    const expected = expectedDigest(secret);
    const actual = digestWithSalt(presented, secret.salt);
    const equal = expected.length === actual.length && timingSafeEqual(expected, actual);
    matched = (equal && (secret.notAfter === undefined || secret.notAfter > now)) || matched;
  }
  return matched;
}
