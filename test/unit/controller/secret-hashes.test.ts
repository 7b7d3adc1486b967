// Which secret hashes a client record carries through a rotation: the current one, plus rotated-out ones until
// their overlap ends; a rollback within the overlap; and reconciling an unchanged secret changes nothing.
import { describe, expect, it } from 'vitest';

import { lastOverlapEnd, MAX_ROTATED_OUT, nextOverlapEnd, rotateSecretHashes } from '../../../src/controller/reconcile/secret-hashes.ts';
import { matchesSecret } from '../../../src/store/secret-hash.ts';

const OLD = 'old-secret-0123456789abcdefghijklmnopqrstuv';
const NEW = 'new-secret-0123456789abcdefghijklmnopqrstuv';
const NEWER = 'newer-secret-0123456789abcdefghijklmnopqrst';
const T0 = 1_750_000_000;
const OVERLAP = 3600;

describe('rotateSecretHashes', () => {
  it('hashes the first secret as current, without notAfter and without the secret in clear', () => {
    const hashes = rotateSecretHashes([], OLD, T0, OVERLAP);
    expect(hashes).toHaveLength(1);
    expect(hashes[0]!.notAfter).toBeUndefined();
    expect(JSON.stringify(hashes)).not.toContain(OLD);
    expect(matchesSecret(hashes, OLD, T0)).toBe(true);
  });

  it(`keeps at most ${MAX_ROTATED_OUT} rotated-out secrets, the latest: a Secret rewritten in a loop does not grow the record`, () => {
    const secretOf = (n: number) => `looped-secret-${n}-0123456789abcdefghijklmnopqrstuv`;
    let hashes = rotateSecretHashes([], secretOf(0), T0, 365 * 86400);
    for (let n = 1; n <= 1000; n++) hashes = rotateSecretHashes(hashes, secretOf(n), T0 + n, 365 * 86400);
    expect(hashes).toHaveLength(1 + MAX_ROTATED_OUT);
    const at = T0 + 1001;
    expect([1000, 999, 996, 995, 994].map((n) => matchesSecret(hashes, secretOf(n), at))).toEqual([true, true, true, true, false]);
  });

  it('keeps the hash (same salt and digest) of an unchanged secret: reconciling again writes nothing', () => {
    const first = rotateSecretHashes([], OLD, T0, OVERLAP);
    const again = rotateSecretHashes(first, OLD, T0 + 10, OVERLAP);
    expect(again).toEqual(first);
    expect(rotateSecretHashes(again, OLD, T0 + 20, OVERLAP)).toEqual(first);
  });

  it('makes a new secret current; the previous one keeps working until now + overlap, then is dropped', () => {
    const first = rotateSecretHashes([], OLD, T0, OVERLAP);
    const rotated = rotateSecretHashes(first, NEW, T0 + 100, OVERLAP);
    expect(rotated).toHaveLength(2);
    expect(rotated[0]!.notAfter).toBeUndefined();
    expect(rotated[1]).toEqual({ ...first[0], notAfter: T0 + 100 + OVERLAP });
    expect(matchesSecret(rotated, NEW, T0 + 100)).toBe(true);
    expect(matchesSecret(rotated, OLD, T0 + 100 + OVERLAP - 1)).toBe(true);
    expect(matchesSecret(rotated, OLD, T0 + 100 + OVERLAP)).toBe(false);

    // Idempotent during the overlap too.
    expect(rotateSecretHashes(rotated, NEW, T0 + 200, OVERLAP)).toEqual(rotated);
    // After the overlap the old hash leaves the record.
    const after = rotateSecretHashes(rotated, NEW, T0 + 100 + OVERLAP, OVERLAP);
    expect(after).toEqual([rotated[0]]);
  });

  it('keeps each rotated-out secret on its own deadline through two rotations', () => {
    const one = rotateSecretHashes([], OLD, T0, OVERLAP);
    const two = rotateSecretHashes(one, NEW, T0 + 100, OVERLAP);
    const three = rotateSecretHashes(two, NEWER, T0 + 200, OVERLAP);
    expect(three.map((hash) => hash.notAfter)).toEqual([undefined, T0 + 200 + OVERLAP, T0 + 100 + OVERLAP]);
    expect([OLD, NEW, NEWER].map((secret) => matchesSecret(three, secret, T0 + 250))).toEqual([true, true, true]);
    expect(lastOverlapEnd(three)).toBe(T0 + 200 + OVERLAP);
    expect(nextOverlapEnd(three)).toBe(T0 + 100 + OVERLAP);
  });

  it('makes a secret rolled back within its overlap current again, and retires the one it replaced', () => {
    const first = rotateSecretHashes([], OLD, T0, OVERLAP);
    const rotated = rotateSecretHashes(first, NEW, T0 + 100, OVERLAP);
    const rolledBack = rotateSecretHashes(rotated, OLD, T0 + 200, OVERLAP);
    expect(rolledBack[0]).toEqual(first[0]);
    expect(matchesSecret(rolledBack, OLD, T0 + 10 * OVERLAP)).toBe(true);
    // The secret that was current until the rollback works for one overlap, like any rotated-out secret; it
    // must not stay valid forever once it is no longer in the Secret.
    expect(rolledBack[1]).toEqual({ ...rotated[0], notAfter: T0 + 200 + OVERLAP });
    expect(matchesSecret(rolledBack, NEW, T0 + 200 + OVERLAP)).toBe(false);
    expect(rotateSecretHashes(rolledBack, OLD, T0 + 300, OVERLAP)).toEqual(rolledBack);
  });

  it('treats a secret whose overlap has ended as new', () => {
    const rotated = rotateSecretHashes(rotateSecretHashes([], OLD, T0, OVERLAP), NEW, T0, OVERLAP);
    const back = rotateSecretHashes(rotated, OLD, T0 + OVERLAP, OVERLAP);
    expect(back).toHaveLength(2);
    expect(back[0]!.salt).not.toBe(rotated[1]!.salt);
    expect(back[1]).toEqual({ ...rotated[0], notAfter: T0 + 2 * OVERLAP });
  });
});

describe('overlap ends', () => {
  it('are undefined without rotated-out secrets', () => {
    const hashes = rotateSecretHashes([], OLD, T0, OVERLAP);
    expect(lastOverlapEnd(hashes)).toBeUndefined();
    expect(nextOverlapEnd(hashes)).toBeUndefined();
    expect(lastOverlapEnd([])).toBeUndefined();
  });
  it('with overlap 0 drops the previous secret at once: a leaked secret stops working the moment the Secret changes', () => {
    const first = rotateSecretHashes([], OLD, T0, OVERLAP);
    const rotated = rotateSecretHashes(first, NEW, T0 + 100, 0);
    expect(rotated).toHaveLength(1);
    expect(matchesSecret(rotated, OLD, T0 + 100)).toBe(false);
    expect(lastOverlapEnd(rotated)).toBeUndefined();
  });

  it('a shorter overlap cuts an overlap under way, a longer one never extends it', () => {
    const rotated = rotateSecretHashes(rotateSecretHashes([], OLD, T0, OVERLAP), NEW, T0 + 100, OVERLAP);
    expect(rotateSecretHashes(rotated, NEW, T0 + 200, 60)[1]!.notAfter).toBe(T0 + 260);
    expect(rotateSecretHashes(rotated, NEW, T0 + 200, 10 * OVERLAP)).toEqual(rotated);
    expect(rotateSecretHashes(rotated, NEW, T0 + 200, 0)).toEqual([rotated[0]]);
  });
});
