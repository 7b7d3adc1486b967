// Who may introspect or revoke which token. A client may always act on its own tokens. With PURSER_TENANCY=enforced,
// a confidential client may also introspect the tokens of an audience whose OAuthAPI names it in resourceServers;
// with open tenancy, those of any audience it lists itself (how a resource server checked opaque tokens before).
import type { KoaContextWithOIDC } from 'oidc-provider';

import { REVOKING_ANOTHER_CLIENTS_TOKEN } from '../errors/descriptions.ts';
import { InvalidGrant } from '../errors/purser-error.ts';
import type { ApiLookup } from './api-admission.ts';
import { policyOf, type ClientLike } from './client-policy.ts';
import { workloadIdentityOf } from '../workload/authenticate.ts';

interface TokenLike {
  clientId?: string;
  aud?: string | string[];
}

const audiencesOf = (token: TokenLike): string[] => (token.aud === undefined ? [] : ([] as string[]).concat(token.aud));

/** Whether `client` may see `token` at introspection (oidc-provider's features.introspection.allowedPolicy). */
export type IntrospectionPolicy = (ctx: KoaContextWithOIDC, client: ClientLike & { clientAuthMethod?: string }, token: TokenLike) => Promise<boolean>;

/** RFC 7662 §2.1 / §4: `apis` (enforced tenancy) decides by the OAuthAPI's resourceServers; without it, by the client's audiences. */
export function introspectionPolicy(apis?: ApiLookup): IntrospectionPolicy {
  return async function mayIntrospect(ctx: KoaContextWithOIDC, client: ClientLike & { clientAuthMethod?: string }, token: TokenLike): Promise<boolean> {
    // A public client authenticates nobody (RFC 7662 §2.1); introspection.ts answers it invalid_client. A client a
    // ServiceAccount token authenticated passes oidc-provider as `none` too, but did authenticate.
    if (client.clientAuthMethod === 'none' && !workloadIdentityOf(ctx)) return false;
    if (token.clientId === client.clientId) return true;
    if (!apis) {
      const served = policyOf(client).audiences;
      return audiencesOf(token).some((audience) => served.includes(audience));
    }
    for (const audience of audiencesOf(token)) {
      if ((await apis(audience))?.resourceServers.includes(client.clientId)) return true;
    }
    return false;
  };
}

/** RFC 7009 §2.1: revoking another client's token is refused, and the client is told so. */
export function mayRevoke(_ctx: KoaContextWithOIDC, client: ClientLike, token: TokenLike): boolean {
  if (token.clientId !== client.clientId) {
    throw new InvalidGrant(REVOKING_ANOTHER_CLIENTS_TOKEN);
  }
  return true;
}
