import { hash } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { keyedUserCode, userCodeKeys } from '../../src/store/user-code-key.ts';

describe('user code keys', () => {
  it('writes under the oldest cookie key and reads under each, once', () => {
    const [during, before, after] = [userCodeKeys(['new', 'old', 'old']), userCodeKeys(['old']), userCodeKeys(['new'])];
    expect(during.write).toEqual(before.write);
    expect(during.read).toEqual([after.write, before.write]);
  });

  it('RFC 8628 §5.2: keys the user code with the secret, so its plain digest and another secret give other values', () => {
    const keyed = keyedUserCode(userCodeKeys(['secret']).write, 'BCDF-GHJK');
    expect(keyed).toMatch(/^[\w-]{43}$/);
    expect(keyed).toBe(keyedUserCode(userCodeKeys(['secret']).write, 'BCDF-GHJK'));
    expect(keyed).not.toBe(hash('sha256', 'BCDF-GHJK', 'base64url'));
    expect(keyed).not.toBe(keyedUserCode(userCodeKeys(['other']).write, 'BCDF-GHJK'));
  });

  it('refuses an empty key list', () => {
    expect(() => userCodeKeys([])).toThrow(/no cookie key/);
  });
});
