// The optional actor_token (RFC 8693 §2.1): the calling client's own credential, a client_credentials access token of
// this server issued to it. It proves nothing the client authentication did not, but a client that sends one must
// send a good one: anything else is invalid_request (§2.2.2). The actor the new token names is the client either way.
import type { KoaContextWithOIDC } from 'oidc-provider';

import { EXCHANGE_ACTOR_TOKEN_INVALID } from '../../errors/descriptions.ts';
import { InvalidRequest } from '../../errors/purser-error.ts';
import type { GrantDependencies } from '../grant.ts';
import { readAccessToken } from './presented-token.ts';

export async function assertActorToken(ctx: KoaContextWithOIDC, value: string, deps: GrantDependencies): Promise<void> {
  const token = await readAccessToken(ctx.oidc.provider, value, deps.verifyAccessToken);
  if (!token || token.clientId !== ctx.oidc.client!.clientId || token.accountId !== undefined) throw new InvalidRequest(EXCHANGE_ACTOR_TOKEN_INVALID);
}
