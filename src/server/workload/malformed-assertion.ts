// A client_assertion that oidc-provider cannot read (not a JWT: "invalid client_assertion format") or whose sub is not
// the client_id ("client_id mismatch": a ServiceAccount token Purser could not read, whose sub oidc-provider then
// compares with client_id) is refused before the client is looked up, in oidc-provider's words about private_key_jwt.
// A client that authenticates with ServiceAccount tokens gets Purser's instead: the token is not one it can read.
import type { KoaContextWithOIDC } from 'oidc-provider';

import { SA_TOKEN_MALFORMED } from '../errors/descriptions.ts';
import { InvalidClient, type PurserError } from '../errors/purser-error.ts';
import { policyOf } from '../provider/client-policy.ts';

/** What oidc-provider says (lib/shared/client_auth.js) about an assertion it cannot take. */
export const UNREADABLE_ASSERTION = ['invalid client_assertion format', 'client_id mismatch'] as const;

/**
 * SA_TOKEN_MALFORMED (invalid_client, RFC 7523 §3.1) for a request that sent a client_assertion oidc-provider refused
 * with one of UNREADABLE_ASSERTION, when its client_id names a client that lists serviceAccounts; else undefined.
 */
export async function malformedServiceAccountToken(ctx: KoaContextWithOIDC, detail: string | undefined): Promise<PurserError | undefined> {
  const { params, provider } = ctx.oidc;
  if (!(UNREADABLE_ASSERTION as readonly unknown[]).includes(detail) || params?.client_assertion === undefined) return undefined;
  const clientId = params.client_id;
  if (typeof clientId !== 'string' || !clientId) return undefined;
  const client = await provider.Client.find(clientId);
  if (!policyOf(client).serviceAccounts?.length) return undefined;
  return new InvalidClient(SA_TOKEN_MALFORMED, { detail });
}
