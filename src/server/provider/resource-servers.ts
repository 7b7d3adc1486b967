// Audiences and scopes per client, like OpenIddict's permissions: a request outside the client's allow-lists is
// refused with invalid_target / invalid_scope, never silently narrowed.
import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';

import type { ClientLike } from './client-policy.ts';
import { policyOf } from './client-policy.ts';

/** Scopes of OpenID Connect itself; every other allowed scope belongs to the client's audiences. */
export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'offline_access', 'profile', 'email', 'groups']);

function allowedScopes(client: ClientLike): Set<string> {
  return new Set(['openid', ...(client.scope?.split(' ') ?? [])]);
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

export function defaultResource(ctx: KoaContextWithOIDC, client: ClientLike, oneOf?: string[]): string | string[] | undefined {
  assertScopesAllowed(ctx, client);
  const { audiences } = policyOf(client);
  if (oneOf?.length) return audiences.find((audience) => oneOf.includes(audience)) ?? oneOf[0];
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
    const scope = [...allowedScopes(client)].filter((s) => !OIDC_SCOPES.has(s)).join(' ');
    return {
      scope,
      audience: indicator,
      accessTokenTTL: accessTokenTtl(client),
      accessTokenFormat: policy.accessTokenFormat,
      ...(policy.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: 'ES256' } } } : {}),
    };
  };
}
