// Client secrets: what Purser generates and what it accepts from a user, so that every secret works with
// client_secret_basic whatever the client does with it.
//
// RFC 6749 §2.3.1 has a client form-encode its id and secret before it joins them with ":" into HTTP Basic, and
// oidc-provider (rightly) decodes both halves: "+" becomes a space and "%XX" a byte. Many clients do not encode
// (curl -u, Go's SetBasicAuth, Python's Authlib and requests), so a secret is safe only if it reads the same either
// way: printable ASCII (oidc-provider refuses anything else in Basic) without "+" and "%". A ":" is safe, because
// client_ids never contain one, so the first ":" is always the separator.
import { randomBytes } from 'node:crypto';

/** Shortest client secret Purser accepts from a user; generated ones carry 256 bits. */
export const MIN_SECRET_LENGTH = 32;

export const SECRET_TOO_SHORT = `client_secret must be at least ${MIN_SECRET_LENGTH} characters (secrets are stored as a fast hash, so they must not be guessable)`;
export const SECRET_OUTER_WHITESPACE = 'client_secret must not start or end with whitespace';
export const SECRET_CHARACTERS =
  'client_secret may contain only printable ASCII characters other than "+" and "%" (RFC 6749 §2.3.1 form-encodes secrets in HTTP Basic; clients that do not, such as curl -u, would send "+" and "%" that Purser must decode, so the secret would not match)';

/** Printable ASCII (%x20-7E) except "+" (%x2B) and "%" (%x25). */
const SAFE_CHARACTERS = /^[\x20-\x24\x26-\x2A\x2C-\x7E]*$/;

/** Why a user-supplied client secret cannot be used, or `undefined`. */
export function secretProblem(secret: string): string | undefined {
  if (secret.length < MIN_SECRET_LENGTH) return SECRET_TOO_SHORT;
  if (secret !== secret.trim()) return SECRET_OUTER_WHITESPACE;
  if (!SAFE_CHARACTERS.test(secret)) return SECRET_CHARACTERS;
  return undefined;
}

/** A new 256-bit client secret in base64url without padding: letters, digits, "-" and "_", the same form-encoded or not. */
export const generateClientSecret = (): string => randomBytes(32).toString('base64url');
