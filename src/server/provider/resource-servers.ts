// Audiences and scopes per client, like OpenIddict's permissions: a request outside the client's allow-lists is
// refused with invalid_target / invalid_scope, never silently narrowed.
import type { KoaContextWithOIDC, ResourceServer } from 'oidc-provider';

import { OIDC_SCOPES } from '../../api/types.ts';
import { describe, RESOURCE_NOT_AN_AUDIENCE, SCOPE_CARRIES_NOTHING, SCOPE_NEEDS_A_USER, SCOPE_NOT_ALLOWED } from '../errors/descriptions.ts';
import { InvalidScope, InvalidTarget } from '../errors/purser-error.ts';
import { admittedApiScopes, type ApiLookup } from './api-admission.ts';
import { policyOf, type ClientLike } from './client-policy.ts';

export interface ScopeRules {
  /** `openid` is always allowed, as in OpenIddict; everything else must be on the client's list. */
  allowed: Set<string>;
  /** The scopes an access token for one of the client's audiences may carry. */
  apiScope: string;
}

/** Worked out once per policy object: these run on every token request. */
const rulesByPolicy = new WeakMap<object, ScopeRules>();

export function scopeRules(client: ClientLike): ScopeRules {
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

/** The scopes the request names (the `scope` parameter), in order. */
const requestedScopes = (ctx: KoaContextWithOIDC): string[] =>
  typeof ctx.oidc.params?.scope === 'string' ? ctx.oidc.params.scope.split(' ').filter(Boolean) : [];

/** Whether the request is a client_credentials token request: its token acts for the client, with no user. */
const forTheClientItself = (ctx: KoaContextWithOIDC): boolean => ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials';

/**
 * Throws invalid_scope for a refresh that asks for OpenID Connect scopes without openid: an API token would carry
 * none of them and userinfo needs openid, so it would be answered `scope: ""`, granting nothing of what was asked.
 * oidc-provider checks scopes only after it has spent the refresh token, so this runs from its `rotateRefreshToken`
 * hook, the last step before that: a refusal then costs the client nothing.
 */
export function assertRefreshCarriesScopes(ctx: KoaContextWithOIDC): void {
  const requested = requestedScopes(ctx);
  if (requested.length === 0 || requested.includes('openid') || !requested.every((scope) => OIDC_SCOPES.includes(scope))) return;
  throw new InvalidScope(describe(SCOPE_CARRIES_NOTHING, requested.join(' ')), { scope: requested.join(' ') });
}

/**
 * Throws invalid_scope when the request names a scope the client may not ask for, or one its grant cannot carry
 * (RFC 6749 §3.3: refused, never silently dropped from the token); checks each request once.
 */
export function assertScopesAllowed(ctx: KoaContextWithOIDC, client: ClientLike): void {
  if (checked.has(ctx) || typeof ctx.oidc.params?.scope !== 'string') return;
  checked.add(ctx);
  const { allowed, apiScope } = scopeRules(client);
  const requested = requestedScopes(ctx);
  const refused = requested.filter((scope) => !allowed.has(scope));
  if (refused.length) {
    // Offer only what this grant could carry: client_credentials would refuse the OpenID Connect scopes next.
    const offered = forTheClientItself(ctx) ? apiScope : [...allowed].join(' ');
    throw new InvalidScope(describe(SCOPE_NOT_ALLOWED, refused.join(' '), offered), { scope: refused.join(' ') });
  }
  const userScopes = forTheClientItself(ctx) ? requested.filter((scope) => OIDC_SCOPES.includes(scope)) : [];
  if (userScopes.length) throw new InvalidScope(describe(SCOPE_NEEDS_A_USER, userScopes.join(' ')), { scope: userScopes.join(' ') });
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
  const scopes = requestedScopes(ctx);
  if (USER_ROUTES.has(String(ctx.oidc.route)) && scopes.every((scope) => OIDC_SCOPES.includes(scope))) return undefined;
  return audiences[0];
}

/**
 * A refresh keeps the audience the grant was given, unless it asks for OpenID Connect scopes only: then, as at
 * sign-in, it gets an access token for userinfo carrying them, rather than an API token carrying none of what was
 * asked (RFC 6749 §5.1: an empty `scope` would say nothing was granted).
 */
export function useGrantedResource(ctx: KoaContextWithOIDC): boolean {
  const asked = requestedScopes(ctx);
  return !(asked.includes('openid') && asked.every((scope) => OIDC_SCOPES.includes(scope)));
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
      throw new InvalidTarget(describe(RESOURCE_NOT_AN_AUDIENCE, indicator, policy.audiences.length ? policy.audiences.join(', ') : 'none'));
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
    return resourceServer(indicator, scope, format, ttl);
  };
}

/** The oidc-provider ResourceServer a token for `audience` is issued for: its scopes, format and lifetime (seconds). */
export function resourceServer(audience: string, scope: string, format: 'jwt' | 'opaque', ttl: number): ResourceServer {
  return { scope, audience, accessTokenTTL: ttl, accessTokenFormat: format, ...(format === 'jwt' ? { jwt: { sign: { alg: 'ES256' } } } : {}) };
}
