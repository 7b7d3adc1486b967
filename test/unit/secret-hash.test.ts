import { describe, expect, it } from 'vitest';

import { hashSecret, matchesSecret } from '../../src/store/secret-hash.ts';

describe('client secret hashes', () => {
  const secret = 'a-client-secret-of-forty-characters-xxxx';

  it('store no trace of the secret and match only it', () => {
    const hashed = hashSecret(secret);
    expect(JSON.stringify(hashed)).not.toContain(secret);
    expect(matchesSecret([hashed], secret)).toBe(true);
    expect(matchesSecret([hashed], `${secret}x`)).toBe(false);
    expect(matchesSecret([], secret)).toBe(false);
  });

  it('salt each hash', () => {
    expect(hashSecret(secret).digest).not.toBe(hashSecret(secret).digest);
  });

  it('honour notAfter: a rotated-out secret works until its overlap ends', () => {
    const current = hashSecret('the-new-secret-the-new-secret-the-new-');
    const previous = hashSecret(secret, 1000);
    expect(matchesSecret([current, previous], secret, 999)).toBe(true);
    expect(matchesSecret([current, previous], secret, 1000)).toBe(false);
  });
});
