// Audiences and scopes per client, like OpenIddict's permissions: a request outside the client's allow-lists is
// refused with invalid_target / invalid_scope, never silently narrowed.
import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';

import { OIDC_SCOPES } from '../../api/types.ts';
import { policyOf, type ClientLike } from './client-policy.ts';

/** `openid` is always allowed, as in OpenIddict; everything else must be on the client's list. */
function allowedScopes(client: ClientLike): Set<string> {
  return new Set(['openid', ...policyOf(client).scopes]);
}

/** Throws invalid_scope when the request names a scope the client may not ask for. */
export function assertScopesAllowed(ctx: KoaContextWithOIDC, client: ClientLike): void {
  const requested = typeof ctx.oidc.params?.scope === 'string' ? ctx.oidc.params.scope.split(' ').filter(Boolean) : [];
  const allowed = allowedScopes(client);
  const refused = requested.filter((scope) => !allowed.has(scope));
  if (refused.length) {
    throw new errors.InvalidScope(
      `requested scope is not allowed for this client: ${refused.join(' ')} (allowed: ${[...allowed].join(' ')})`,
      refused.join(' '),
    );
  }
}

const USER_ROUTES = new Set(['authorization', 'resume']);

/**
 * The client's first audience, except for sign-in requests that ask for OpenID Connect scopes only: those get an
 * access token for userinfo, which a token for an API audience could not call.
 */
export function defaultResource(ctx: KoaContextWithOIDC, client: ClientLike, oneOf?: string[]): string | string[] | undefined {
  assertScopesAllowed(ctx, client);
  const { audiences } = policyOf(client);
  if (oneOf?.length) return audiences.find((audience) => oneOf.includes(audience)) ?? oneOf[0];
  const scopes = typeof ctx.oidc.params?.scope === 'string' ? ctx.oidc.params.scope.split(' ') : [];
  if (USER_ROUTES.has(String(ctx.oidc.route)) && scopes.every((scope) => OIDC_SCOPES.includes(scope))) return undefined;
  return audiences[0];
}

export function resourceServerInfo(accessTokenTtl: (client: ClientLike) => number) {
  return function getResourceServerInfo(ctx: KoaContextWithOIDC, indicator: string, client: ClientLike): ResourceServer {
    assertScopesAllowed(ctx, client);
    const policy = policyOf(client);
    if (!policy.audiences.includes(indicator)) {
      const allowed = policy.audiences.length ? policy.audiences.join(', ') : 'none';
      throw new errors.InvalidTarget(`resource "${indicator}" is not an audience of this client (allowed: ${allowed})`);
    }
    const scope = [...allowedScopes(client)].filter((s) => !OIDC_SCOPES.includes(s)).join(' ');
    return {
      scope,
      audience: indicator,
      accessTokenTTL: accessTokenTtl(client),
      accessTokenFormat: policy.accessTokenFormat,
      ...(policy.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: 'ES256' } } } : {}),
    };
  };
}
