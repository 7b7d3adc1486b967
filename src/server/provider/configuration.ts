// The oidc-provider configuration: which flows are on, and where each decision (accounts, audiences, lifetimes,
// pages) is made. Everything per-client comes from the client's record, so no restart is needed for changes.
import type { Configuration } from 'oidc-provider';

import type { Config } from '../../config/load.ts';
import type { ClientPolicy } from '../../store/types.ts';
import type { UserDirectory } from '../accounts/users.ts';
import { accountFinder, CLAIMS } from '../accounts/find-account.ts';
import { logoutSource, postLogoutSuccessSource, renderError } from '../views/provider-pages.ts';
import { PURSER_METADATA } from '../../store/oidc-adapter.ts';
import { policyOf, type ClientLike } from './client-policy.ts';
import { existingGrantLoader } from './grant-lifetime.ts';
import type { Jwk } from './keys.ts';
import { OIDC_SCOPES } from '../../api/types.ts';
import type { ApiLookup } from './api-admission.ts';
import { defaultResource, resourceServerInfo } from './resource-servers.ts';
import { introspectionPolicy, mayRevoke } from './token-policies.ts';
import { lifetimes } from './ttl.ts';

export interface ProviderDependencies {
  config: Config;
  adapter: NonNullable<Configuration['adapter']>;
  users: UserDirectory;
  jwks: { keys: Jwk[] };
  cookieKeys: string[];
  /** Extends a stored artifact's life (ArtifactStore.renew). */
  renew: (model: string, id: string, expiresIn: number) => Promise<void>;
  /** The policy of a client whose record is cached, without I/O. */
  policyFor: (clientId: string) => ClientPolicy | undefined;
  /** The API catalog, consulted per token request when PURSER_TENANCY=enforced. */
  apis: ApiLookup;
}

export function providerConfiguration({ config, adapter, users, jwks, cookieKeys, policyFor, renew, apis }: ProviderDependencies): Configuration {
  const { ttl, accessTokenTtl } = lifetimes(config, policyFor);
  return {
    adapter,
    findAccount: accountFinder(users),
    jwks: jwks as Configuration['jwks'],
    cookies: { keys: cookieKeys, long: { signed: true }, short: { signed: true } },
    claims: CLAIMS,
    scopes: [...OIDC_SCOPES],
    // The id_token carries the claims of its scopes too, not only the userinfo response.
    conformIdTokenClaims: false,
    rotateRefreshToken: true,
    loadExistingGrant: existingGrantLoader((grantId, clientId) => renew('Grant', grantId, ttl.Grant(undefined, { clientId }))),
    // Authorization code only (OAuth 2.1): no implicit or hybrid responses.
    responseTypes: ['code', 'none'],
    extraClientMetadata: { properties: [PURSER_METADATA], validator: () => undefined },
    clientBasedCORS: (_ctx, origin, client) => policyOf(client).corsOrigins.includes(origin),
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' || policyOf(client).requirePkce },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: ttl as Configuration['ttl'],
    renderError,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionPolicy(config.tenancy === 'enforced' ? apis : undefined) as never },
      revocation: { enabled: true, allowedPolicy: mayRevoke as never },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: defaultResource as never,
        getResourceServerInfo: resourceServerInfo((client: ClientLike) => accessTokenTtl(client), config.tenancy === 'enforced' ? apis : undefined) as never,
        useGrantedResource: () => true,
      },
    },
  };
}
