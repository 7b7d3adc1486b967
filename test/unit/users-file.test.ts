// The users file (PURSER_USERS_FILE): what parseUsers refuses, each with where and why.
import { describe, expect, it } from 'vitest';

import { parseUsers, UsersFileError } from '../../src/server/accounts/users.ts';

const HASH = '$argon2id$v=19$m=19456,t=2,p=1$x8ShqIMnbO+3lEd942E+nw$JZEZ07tY5ZoivshGjFUwnuWFgvStAk0M5g0dYqhSG/o';

describe('parseUsers', () => {
  it('reads a list of users', () => {
    expect(parseUsers(`- username: alice\n  passwordHash: '${HASH}'\n`, 'users.yaml')).toEqual([{ username: 'alice', passwordHash: HASH }]);
  });

  it.each([
    ['a ServiceAccount subject (the sub of a token exchanged for a ServiceAccount token)', 'system:serviceaccount:jobs:batch'],
    ['any other Kubernetes identity', 'system:admin'],
  ])('refuses a username that could pass for %s', (_label, username) => {
    expect(() => parseUsers(`- username: '${username}'\n  passwordHash: '${HASH}'\n`, 'users.yaml')).toThrow(new UsersFileError(`users.yaml: user #1 (${username}): usernames starting with system: are reserved for Kubernetes identities`));
  });
});
