// Who may introspect or revoke which token. A client may always act on its own tokens; a confidential client may
// also introspect tokens minted for one of its audiences (that is how a resource server checks opaque tokens).
import type { KoaContextWithOIDC } from 'oidc-provider';

import { REVOKING_ANOTHER_CLIENTS_TOKEN } from '../errors/descriptions.ts';
import { InvalidGrant } from '../errors/purser-error.ts';
import { policyOf, type ClientLike } from './client-policy.ts';

interface TokenLike {
  clientId?: string;
  aud?: string | string[];
}

const audiencesOf = (token: TokenLike): string[] => (token.aud === undefined ? [] : ([] as string[]).concat(token.aud));

export function mayIntrospect(_ctx: KoaContextWithOIDC, client: ClientLike & { clientAuthMethod?: string }, token: TokenLike): boolean {
  // A public client authenticates nobody (RFC 7662 §2.1); introspection.ts answers it invalid_client.
  if (client.clientAuthMethod === 'none') return false;
  if (token.clientId === client.clientId) return true;
  const served = policyOf(client).audiences;
  return audiencesOf(token).some((audience) => served.includes(audience));
}

/** RFC 7009 §2.1: revoking another client's token is refused, and the client is told so. */
export function mayRevoke(_ctx: KoaContextWithOIDC, client: ClientLike, token: TokenLike): boolean {
  if (token.clientId !== client.clientId) {
    throw new InvalidGrant(REVOKING_ANOTHER_CLIENTS_TOKEN);
  }
  return true;
}
