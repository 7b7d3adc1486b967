// oidc-provider's view of a user: the account id is the username; claims follow the OIDC standard claim names.
import type { Account, KoaContextWithOIDC } from 'oidc-provider';

import type { UserDirectory } from './users.ts';

export function accountFinder(users: UserDirectory) {
  return async function findAccount(_ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> {
    const user = users.find(sub);
    if (!user) return undefined;
    return {
      accountId: user.username,
      claims: async () => ({
        sub: user.username,
        preferred_username: user.username,
        ...(user.name ? { name: user.name } : {}),
        ...(user.email ? { email: user.email, email_verified: user.emailVerified ?? true } : {}),
        groups: user.groups ?? [],
      }),
    };
  };
}

/** Which claims each scope releases. */
export const CLAIMS = {
  openid: ['sub'],
  profile: ['name', 'preferred_username'],
  email: ['email', 'email_verified'],
  groups: ['groups'],
};
