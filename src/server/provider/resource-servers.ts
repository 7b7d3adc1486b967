// Audiences and scopes per client, like OpenIddict's permissions: a request outside the client's allow-lists is
// refused with invalid_target / invalid_scope, never silently narrowed.
import { errors, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';

import { OIDC_SCOPES } from '../../api/types.ts';
import { admittedApiScopes, type ApiLookup } from './api-admission.ts';
import { policyOf, type ClientLike } from './client-policy.ts';

interface ScopeRules {
  /** `openid` is always allowed, as in OpenIddict; everything else must be on the client's list. */
  allowed: Set<string>;
  /** The scopes an access token for one of the client's audiences may carry. */
  apiScope: string;
}

/** Worked out once per policy object: these run on every token request. */
const rulesByPolicy = new WeakMap<object, ScopeRules>();

function scopeRules(client: ClientLike): ScopeRules {
  const policy = policyOf(client);
  let rules = rulesByPolicy.get(policy);
  if (!rules) {
    const allowed = new Set(['openid', ...policy.scopes]);
    rules = { allowed, apiScope: [...allowed].filter((s) => !OIDC_SCOPES.includes(s)).join(' ') };
    rulesByPolicy.set(policy, rules);
  }
  return rules;
}

/** Requests already checked: oidc-provider asks both hooks below about one token request. */
const checked = new WeakSet<KoaContextWithOIDC>();

/** Throws invalid_scope when the request names a scope the client may not ask for; checks each request once. */
export function assertScopesAllowed(ctx: KoaContextWithOIDC, client: ClientLike): void {
  if (checked.has(ctx) || typeof ctx.oidc.params?.scope !== 'string') return;
  checked.add(ctx);
  const { allowed } = scopeRules(client);
  const refused = ctx.oidc.params.scope.split(' ').filter((scope) => scope && !allowed.has(scope));
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

/**
 * `apis`: with PURSER_TENANCY=enforced, the API catalog lookup; the audience's OAuthAPI then bounds the token's
 * scopes (intersected with the client's own allow-list) and may set its format and lifetime. `undefined`: open.
 */
export function resourceServerInfo(accessTokenTtl: (client: ClientLike) => number, apis?: ApiLookup) {
  return async function getResourceServerInfo(ctx: KoaContextWithOIDC, indicator: string, client: ClientLike): Promise<ResourceServer> {
    assertScopesAllowed(ctx, client);
    const policy = policyOf(client);
    if (!policy.audiences.includes(indicator)) {
      const allowed = policy.audiences.length ? policy.audiences.join(', ') : 'none';
      throw new errors.InvalidTarget(`resource "${indicator}" is not an audience of this client (allowed: ${allowed})`);
    }
    let scope = scopeRules(client).apiScope;
    let format = policy.accessTokenFormat;
    let ttl = accessTokenTtl(client);
    if (apis) {
      const { scopes, record } = await admittedApiScopes(ctx, client.clientId, indicator, apis);
      const own = new Set(scope.split(' '));
      scope = scopes.filter((name) => own.has(name)).join(' ');
      format = record.accessToken?.format ?? format;
      ttl = record.accessToken?.ttl ?? ttl;
    }
    return {
      scope,
      audience: indicator,
      accessTokenTTL: ttl,
      accessTokenFormat: format,
      ...(format === 'jwt' ? { jwt: { sign: { alg: 'ES256' } } } : {}),
    };
  };
}
