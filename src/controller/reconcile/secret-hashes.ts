// Which secret hashes a client record carries: the current secret, plus rotated-out ones until their overlap ends.
import { hashSecret, matchesSecret } from '../../store/secret-hash.ts';
import type { SecretHash } from '../../store/types.ts';

/**
 * How many rotated-out secrets keep working at once. A rollout needs the one before, perhaps the one before that; a
 * tenant rewriting its Secret in a loop under a long overlap would otherwise grow its record in the shared Redis
 * without bound (every rewrite one more hash), filling it for every tenant.
 */
export const MAX_ROTATED_OUT = 5;

/**
 * The hashes to store when the Secret holds `current`, given the record's `previous` ones (epoch seconds `now`).
 * Idempotent: an unchanged secret keeps its hash (and salt), so reconciling again writes nothing.
 * A new secret becomes current; the secrets that were current keep working for `overlap` seconds, and no rotated-out
 * secret works longer than that from now: shortening the overlap (to 0 for a leaked secret) cuts overlaps under way.
 * At most MAX_ROTATED_OUT of them, the most recent.
 */
export function rotateSecretHashes(previous: readonly SecretHash[], current: string, now: number, overlap: number): SecretHash[] {
  const live = previous.filter((hash) => hash.notAfter === undefined || hash.notAfter > now);
  const retire = (hashes: SecretHash[]) =>
    hashes
      .map((hash) => (hash.notAfter === undefined || hash.notAfter > now + overlap ? { ...hash, notAfter: now + overlap } : hash))
      .filter((hash) => (hash.notAfter ?? 0) > now)
      // Newest first (the one just replaced leads), so the oldest go.
      .slice(0, MAX_ROTATED_OUT);
  const match = live.find((hash) => matchesSecret([hash], current, now));
  if (match) {
    // Still current, or brought back within its overlap (a rollback of the Secret): current again, for good, and
    // the secret it replaces gets the overlap any rotated-out secret gets (a no-op when nothing was rolled back).
    const { notAfter: _notAfter, ...kept } = match;
    return [kept, ...retire(live.filter((hash) => hash !== match))];
  }
  return [hashSecret(current), ...retire(live)];
}

/** When the last rotated-out secret stops working, in epoch seconds; `undefined` when there is none. */
export function lastOverlapEnd(hashes: readonly SecretHash[]): number | undefined {
  const ends = hashes.flatMap((hash) => (hash.notAfter === undefined ? [] : [hash.notAfter]));
  return ends.length ? Math.max(...ends) : undefined;
}

/** When the next rotated-out secret stops working, in epoch seconds; `undefined` when there is none. */
export function nextOverlapEnd(hashes: readonly SecretHash[]): number | undefined {
  const ends = hashes.flatMap((hash) => (hash.notAfter === undefined ? [] : [hash.notAfter]));
  return ends.length ? Math.min(...ends) : undefined;
}
