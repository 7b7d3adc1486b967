// Per-interaction CSRF tokens: an HMAC of the interaction uid, so no server-side state and every replica agrees.
// Load-details also requires the interaction cookie to name the URL's uid, which binds the token to this browser.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Every replica derives the same CSRF key from the shared (newest) cookie key, so any replica checks any form. */
export function csrfKeyFor(cookieKeys: readonly string[]): Buffer {
  return createHmac('sha256', cookieKeys[0]!).update('purser interaction csrf').digest();
}

/** Separates these MACs from anything else the same key might ever be used for. */
const PURPOSE = 'purser/interaction-csrf/v1\0';

export function csrfTokenFor(key: Buffer, uid: string): string {
  return createHmac('sha256', key).update(PURPOSE + uid).digest('base64url');
}

/** Whether `token` is the one csrfTokenFor(key, uid) gives, compared in constant time. */
export function isValidCsrfToken(key: Buffer, uid: string, token: unknown): boolean {
  if (typeof token !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(key, uid));
  const presented = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}
