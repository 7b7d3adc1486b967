// A rotated refresh token's successor, kept beside the spent token so that a retry within the reuse grace window gets
// the same successor (RFC 9700 §4.14.2: one chain, never a fork). It is sealed with a key derived from the spent
// token's value, which the store never holds (it keeps digests), so a dump of the store opens nothing; whoever
// presents the spent token can open it, which is what the grace window grants them anyway.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const INFO = 'purser refresh token successor v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** `info` separates the uses of one secret: the refresh token successor (default), a device code id (oidc-adapter.ts). */
function keyFor(spentId: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', spentId, Buffer.alloc(0), info, 32));
}

/** AES-256-GCM of `successorId` under a key derived from `spentId`: base64url of iv, ciphertext, tag. */
export function sealSuccessor(spentId: string, successorId: string, info = INFO): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFor(spentId, info), iv);
  const sealed = Buffer.concat([iv, cipher.update(successorId, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return sealed.toString('base64url');
}

/** The successor id sealed by `sealSuccessor` for `spentId`. Throws when `sealed` was not made for that spent id. */
export function openSuccessor(spentId: string, sealed: string, info = INFO): string {
  const bytes = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(spentId, info), bytes.subarray(0, IV_BYTES));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}
