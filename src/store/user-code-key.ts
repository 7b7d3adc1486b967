// The server-side secret a device flow's user code is keyed with before it reaches the store. A user code has about
// 35 bits (RFC 8628 §6.1), few enough to try them all within its life: a plain digest in Redis, or a seal key derived
// from the user code alone, would let a dump of Redis find every pending code and open its device code. Keyed with a
// secret Redis never holds, neither the lookup key nor the seal can be checked against a guess without that secret.
import { createHmac, hkdfSync } from 'node:crypto';

const INFO = 'purser device user code v1';

/**
 * The keys user codes are keyed with, derived from the cookie keys (the mounted Secret every replica shares; dev
 * mode's per-process keys). Rotation of cookie keys goes [old] → [new, old] → [new]: a user code is written under the
 * oldest key in the list and looked up under every key, so a code written by a replica that has not yet seen the
 * change is still found, and one written during the overlap is found after it, provided the overlap outlasts a user
 * code's life (at most 10 minutes) plus the time replicas take to see the change (README "What is kept in Redis").
 */
export interface UserCodeKeys {
  /** The key a new or saved user code is written under. */
  readonly write: Buffer;
  /** Every key a user code may have been written under, `write` included, without repeats. */
  readonly read: readonly Buffer[];
}

function derive(cookieKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', cookieKey, Buffer.alloc(0), INFO, 32));
}

/** The user-code keys of `cookieKeys` (newest first, as Koa and oidc-provider take them). Throws when it is empty. */
export function userCodeKeys(cookieKeys: readonly string[]): UserCodeKeys {
  const distinct = [...new Set(cookieKeys)];
  if (distinct.length === 0) throw new Error('no cookie key to derive the user code key from');
  return { write: derive(distinct.at(-1)!), read: distinct.map(derive) };
}

/** What the store is given in place of `userCode`: HMAC-SHA256 under `key`, base64url (43 characters). */
export function keyedUserCode(key: Buffer, userCode: string): string {
  return createHmac('sha256', key).update(userCode).digest('base64url');
}
