// Translates a valid OAuthClient into the record the store keeps: oidc-provider metadata plus Purser's policy.
import type { ClientRecord, SecretHash } from '../store/types.ts';
import { parseDuration } from './duration.ts';
import { clientIdOf, grantTypesOf, hasSecret, OIDC_SCOPES, type OAuthClient } from './types.ts';
import { isPrivateUseUri } from './validate.ts';

const optionalDuration = (value: string | undefined): number | undefined => (value === undefined ? undefined : parseDuration(value));

/**
 * The record for `client`, whose spec `validateOAuthClient` accepted; `secrets` are empty for clients without one
 * (`hasSecret`). `skipConsent` is the effective value the server applies: the controller honours the spec's only for
 * first-party namespaces (tenancy.ts); dev mode's files are all first-party.
 */
export function toClientRecord(client: OAuthClient, secrets: SecretHash[], skipConsent = client.spec.skipConsent ?? false): ClientRecord {
  const { spec } = client;
  const grantTypes = grantTypesOf(spec);
  const audiences = spec.audiences ?? [];
  const oidcScopes = (spec.scopes ?? []).filter((scope) => OIDC_SCOPES.includes(scope));
  const metadata: Record<string, unknown> = {
    client_id: clientIdOf(client),
    grant_types: grantTypes,
    response_types: grantTypes.includes('authorization_code') ? ['code'] : [],
    redirect_uris: spec.redirectUris ?? [],
    post_logout_redirect_uris: spec.postLogoutRedirectUris ?? [],
    // Private-use scheme redirects are what native apps use; oidc-provider accepts them only for native clients.
    application_type: [...(spec.redirectUris ?? []), ...(spec.postLogoutRedirectUris ?? [])].some(isPrivateUseUri) ? 'native' : 'web',
    // A client of ServiceAccounts alone stays client_secret_basic without a secret: nothing but a ServiceAccount token
    // (src/server/workload/) authenticates it.
    token_endpoint_auth_method: spec.public ? 'none' : (spec.tokenEndpointAuthMethod ?? 'client_secret_basic'),
    ...(spec.jwks ? { jwks: spec.jwks } : {}),
    ...(spec.jwksUri ? { jwks_uri: spec.jwksUri } : {}),
    ...(spec.backchannelLogoutUri ? { backchannel_logout_uri: spec.backchannelLogoutUri, backchannel_logout_session_required: spec.backchannelLogoutSessionRequired ?? false } : {}),
    ...(spec.displayName ? { client_name: spec.displayName } : {}),
    // oidc-provider knows only the OpenID Connect scopes; the full allow-list is in the policy.
    ...(oidcScopes.length ? { scope: oidcScopes.join(' ') } : {}),
  };
  return {
    clientId: clientIdOf(client),
    owner: `${client.metadata.namespace ?? 'default'}/${client.metadata.name}`,
    metadata,
    secrets: hasSecret(spec) ? secrets : [],
    policy: {
      scopes: spec.scopes ?? [],
      audiences,
      accessTokenFormat: spec.accessToken?.format ?? (audiences.length ? 'jwt' : 'opaque'),
      accessTokenTtl: optionalDuration(spec.accessToken?.ttl),
      refreshTokenTtl: optionalDuration(spec.refreshToken?.ttl),
      refreshTokenAbsoluteLifetime: optionalDuration(spec.refreshToken?.absoluteLifetime),
      refreshTokenReuseGracePeriod: optionalDuration(spec.refreshToken?.reuseGracePeriod) ?? 0,
      requirePkce: spec.public ? true : (spec.requirePkce ?? true),
      skipConsent,
      corsOrigins: spec.corsOrigins ?? [],
      ...(spec.logout?.revokeOfflineAccess ? { revokeOfflineAccessOnLogout: true } : {}),
      ...(spec.serviceAccounts?.length ? { serviceAccounts: spec.serviceAccounts } : {}),
    },
  };
}
