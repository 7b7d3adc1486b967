// The grant types Purser adds to oidc-provider's own (authorization_code, client_credentials, refresh_token): one
// folder per grant, listed here. To add one, write its GrantType (grant.ts) and append it to GRANTS; a client may
// use it once its OAuthClient lists the grant_type in grantTypes (src/api/types.ts GRANT_TYPES and the CRD enum).
import type { Provider } from 'oidc-provider';

import type { GrantDependencies, GrantType } from './grant.ts';
import { tokenExchange } from './token-exchange/index.ts';

export const GRANTS: readonly GrantType[] = [tokenExchange];

/** Registers every grant of GRANTS with the provider; before any client is loaded, so their grant_types validate. */
export function installGrants(provider: Provider, deps: GrantDependencies): void {
  for (const grant of GRANTS) {
    provider.registerGrantType(grant.type, grant.handler(deps), [...grant.parameters], grant.repeatable ? [...grant.repeatable] : undefined);
  }
}
