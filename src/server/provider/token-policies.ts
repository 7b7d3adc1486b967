// Who may introspect or revoke which token. A client may always act on its own tokens; a confidential client may
// also introspect tokens minted for one of its audiences (that is how a resource server checks opaque tokens).
import type { KoaContextWithOIDC } from 'oidc-provider';

import { policyOf, type ClientLike } from './client-policy.ts';

interface TokenLike {
  clientId?: string;
  aud?: string | string[];
}

const audiencesOf = (token: TokenLike): string[] => (token.aud === undefined ? [] : ([] as string[]).concat(token.aud));

export function mayIntrospect(_ctx: KoaContextWithOIDC, client: ClientLike & { clientAuthMethod?: string }, token: TokenLike): boolean {
  if (token.clientId === client.clientId) return true;
  if (client.clientAuthMethod === 'none') return false;
  const served = policyOf(client).audiences;
  return audiencesOf(token).some((audience) => served.includes(audience));
}

export function mayRevoke(_ctx: KoaContextWithOIDC, client: ClientLike, token: TokenLike): boolean {
  return token.clientId === client.clientId;
}
