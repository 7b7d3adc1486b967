// The oidc-provider configuration: which flows are on, and where each decision (accounts, audiences, lifetimes,
// pages) is made. Everything per-client comes from the client's record, so no restart is needed for changes.
import type { Configuration } from 'oidc-provider';

import type { Config } from '../../config/load.ts';
import type { ClientPolicy } from '../../store/types.ts';
import type { UserDirectory } from '../accounts/users.ts';
import { accountFinder, CLAIMS } from '../accounts/find-account.ts';
import { renderError } from '../errors/render.ts';
import { logoutSource, postLogoutSuccessSource } from '../views/provider-pages.ts';
import { PURSER_METADATA } from '../../store/oidc-adapter.ts';
import { policyOf, type ClientLike } from './client-policy.ts';
import { existingGrantLoader } from './grant-lifetime.ts';
import { addGrantReference } from './grant-reference.ts';
import type { Jwk } from './keys.ts';
import { nodeSigningKeys } from './node-signing-key.ts';
import { OIDC_SCOPES } from '../../api/types.ts';
import type { ApiLookup } from './api-admission.ts';
import { CLIENT_ASSERTION_ALGORITHMS, CLIENT_AUTH_METHODS } from './client-assertions.ts';
import { purserInteractionPolicy } from './interaction-policy.ts';
import { assertRefreshCarriesScopes, defaultResource, resourceServerInfo, useGrantedResource } from './resource-servers.ts';
import { mayRevoke, type IntrospectionPolicy } from './token-policies.ts';
import { lifetimes } from './ttl.ts';
import { extraTokenClaims as exchangeClaims } from '../grants/token-exchange/act.ts';
import { SERVICE_ACCOUNT_CLAIM, workloadIdentityOf } from '../workload/authenticate.ts';
import { deviceFlowFeature } from '../device/index.ts';

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
  /** Who may introspect which token (token-policies.ts), built once for the endpoint and for JWT access tokens. */
  mayIntrospect: IntrospectionPolicy;
}

export function providerConfiguration({ config, adapter, users, jwks, cookieKeys, policyFor, renew, apis, mayIntrospect }: ProviderDependencies): Configuration {
  const { ttl, accessTokenTtl } = lifetimes(config, policyFor);
  return {
    adapter,
    findAccount: accountFinder(users),
    // Signing keys sign through node:crypto (node-signing-key.ts), with the library's JWS bytes.
    jwks: nodeSigningKeys(jwks) as Configuration['jwks'],
    cookies: { keys: cookieKeys, long: { signed: true }, short: { signed: true } },
    claims: CLAIMS,
    scopes: [...OIDC_SCOPES],
    // The id_token carries the claims of its scopes too, not only the userinfo response.
    conformIdTokenClaims: false,
    // Always rotate; the hook is also the last step before the refresh token is spent (see assertRefreshCarriesScopes).
    rotateRefreshToken: (ctx) => {
      assertRefreshCarriesScopes(ctx);
      return true;
    },
    loadExistingGrant: existingGrantLoader((grantId, clientId) => renew('Grant', grantId, ttl.Grant(undefined, { clientId }))),
    // Authorization code only (OAuth 2.1): no implicit or hybrid responses.
    responseTypes: ['code', 'none'],
    clientAuthMethods: CLIENT_AUTH_METHODS as Configuration['clientAuthMethods'],
    // Discovery lists only what is true: id_tokens are RS256 (their clients cannot ask for another algorithm).
    enabledJWA: { clientAuthSigningAlgValues: CLIENT_ASSERTION_ALGORITHMS as never, idTokenSigningAlgValues: ['RS256'] },
    extraClientMetadata: { properties: [PURSER_METADATA], validator: () => undefined },
    clientBasedCORS: (_ctx, origin, client) => policyOf(client).corsOrigins.includes(origin),
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' || policyOf(client).requirePkce },
    interactions: { policy: purserInteractionPolicy(), url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: ttl as Configuration['ttl'],
    // The one renderer; src/patches.ts makes oidc-provider call it for every error, not only for HTML.
    renderError: (ctx, _out, error) => renderError(ctx, error),
    // Extra access-token claims: the act claim of exchanged tokens (RFC 8693 §4.1), and the ServiceAccount whose token
    // authenticated the client (README "Workload identity"), so an API can log who called.
    extraTokenClaims: async (ctx, token) => {
      const act = await exchangeClaims(ctx, token);
      const identity = workloadIdentityOf(ctx);
      return identity ? { ...act, [SERVICE_ACCOUNT_CLAIM]: identity.subject } : act;
    },
    // A JWT access token names its grant, opaquely, so introspection can tell that the grant is gone (grant-reference.ts).
    formats: { customizers: { jwt: addGrantReference } },
    features: {
      devInteractions: { enabled: false },
      externalSigningSupport: { enabled: true, ack: 'experimental-01' },
      clientCredentials: { enabled: true },
      deviceFlow: deviceFlowFeature(config) as never,
      introspection: { enabled: true, allowedPolicy: mayIntrospect as never },
      revocation: { enabled: true, allowedPolicy: mayRevoke as never },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      // Back-Channel Logout 1.0: metadata and discovery from oidc-provider; delivery is queued (src/server/logout/).
      backchannelLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: defaultResource as never,
        getResourceServerInfo: resourceServerInfo((client: ClientLike) => accessTokenTtl(client), config.tenancy === 'enforced' ? apis : undefined) as never,
        useGrantedResource: useGrantedResource as never,
      },
    },
  };
}
