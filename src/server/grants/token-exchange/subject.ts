// The subject_token of an exchange (RFC 8693 §2.1): an active access token of this server (presented-token.ts), of a
// client that still exists, for a user who still exists (or for a ServiceAccount, when it came from exchanging that
// ServiceAccount's token), and meant for the caller: its own, or one for an audience whose OAuthAPI names the caller
// among its resourceServers (the same rule as introspection, RFC 7662 §2.1). Every refusal is invalid_request
// (§2.2.2: an invalid or unacceptable subject_token).
import type { KoaContextWithOIDC } from 'oidc-provider';

import { serviceAccountOfSubject } from '../../../api/types.ts';
import { EXCHANGE_SUBJECT_CLIENT_GONE, EXCHANGE_SUBJECT_NOT_FOR_CALLER, EXCHANGE_SUBJECT_TOKEN_INVALID, EXCHANGE_SUBJECT_USER_GONE, EXCHANGE_SUBJECT_WITHOUT_USER } from '../../errors/descriptions.ts';
import { InvalidRequest } from '../../errors/purser-error.ts';
import type { GrantDependencies } from '../grant.ts';
import { readAccessToken } from './presented-token.ts';

/** Whom the exchanged token acts for. */
export interface Subject {
  /** Its `sub`: a user's account id, or system:serviceaccount:<namespace>:<name>. */
  accountId: string;
  /** When the subject token expires, epoch seconds: the exchanged token never outlives it (§5). */
  exp: number;
  /** The scopes the subject token carries; `undefined` for a ServiceAccount token, which carries none. */
  scopes?: string[];
  /** RFC 8693 §4.1: the actor chain the subject token already carries. */
  act?: Record<string, unknown>;
  /** `namespace/name` when the subject is a ServiceAccount. */
  serviceAccount?: string;
}

export async function subjectOf(ctx: KoaContextWithOIDC, value: string, deps: GrantDependencies): Promise<Subject> {
  const { provider, client } = ctx.oidc;
  const token = await readAccessToken(provider, value, deps.verifyAccessToken);
  if (!token) throw new InvalidRequest(EXCHANGE_SUBJECT_TOKEN_INVALID);
  // A deleted client's opaque tokens are gone with it; its JWTs still verify until they expire, so ask.
  if (!(await provider.Client.find(token.clientId))) throw new InvalidRequest(EXCHANGE_SUBJECT_CLIENT_GONE);
  if (!token.accountId) throw new InvalidRequest(EXCHANGE_SUBJECT_WITHOUT_USER);
  if (!(await deps.mayIntrospect(ctx, client as never, { clientId: token.clientId, aud: token.audiences }))) throw new InvalidRequest(EXCHANGE_SUBJECT_NOT_FOR_CALLER);
  // A token that came from exchanging a ServiceAccount's token acts for that ServiceAccount (no user has such a name:
  // users.ts); exchanged again, the delegation for the ServiceAccount decides, as for its own token.
  const account = serviceAccountOfSubject(token.accountId);
  if (!account && !(await deps.findAccount(ctx, token.accountId))) throw new InvalidRequest(EXCHANGE_SUBJECT_USER_GONE);
  return { accountId: token.accountId, exp: token.exp, scopes: token.scopes, ...(token.act ? { act: token.act } : {}), ...(account ? { serviceAccount: `${account.namespace}/${account.name}` } : {}) };
}
