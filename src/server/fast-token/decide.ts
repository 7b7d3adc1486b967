// What token a plain client_credentials request gets: the same decision oidc-provider's path takes through Purser's
// hooks (resource-servers.ts, api-admission.ts), for requests those hooks admit. A request they would refuse, or
// one oidc-provider would answer anything but a token, returns `undefined` and goes to oidc-provider.
import { admittedInFlow, decideAdmission } from '../../api/admission.ts';
import { OIDC_SCOPES } from '../../api/types.ts';
import type { ApiLookup } from '../provider/api-admission.ts';
import { policyOf, type ClientLike } from '../provider/client-policy.ts';
import { scopeRules } from '../provider/resource-servers.ts';
import type { ServiceAccountIdentity } from '../workload/verify-token.ts';
import type { Client } from './authenticate.ts';
import type { Form } from './form.ts';

/** oidc-provider's scope syntax (lib/helpers/is_valid_scope.js, RFC 6749 §3.3). */
const SCOPE_SYNTAX = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/** The access token to issue: its audience, scope (absent when empty), format and lifetime in seconds. */
export interface Decision {
  audience: string;
  scope: string | undefined;
  format: 'jwt' | 'opaque';
  ttl: number;
}

export interface DecisionDependencies {
  /** With PURSER_TENANCY=enforced, the API catalog lookup; `undefined` for open tenancy. */
  apis: ApiLookup | undefined;
  /** The client's access-token lifetime without an OAuthAPI's (ttl.ts). */
  accessTokenTtl: (client: ClientLike) => number;
}

/** RFC 8707 §2: oidc-provider refuses a resource that is not an absolute URI, or has a fragment (lib/shared/check_resource.js). */
const plainResource = (resource: string): boolean => {
  const href = URL.parse(resource)?.href;
  return href !== undefined && !href.includes('#');
};

/** The scopes asked for, once each, all on the client's list and none of them OpenID Connect's; else `undefined`. */
function requestedScopes(client: ClientLike, scope: string | undefined): string[] | undefined {
  if (scope === undefined) return [];
  if (!SCOPE_SYNTAX.test(scope)) return undefined;
  const requested = scope.split(' ');
  const { allowed } = scopeRules(client);
  if (new Set(requested).size !== requested.length) return undefined;
  return requested.every((name) => allowed.has(name) && !OIDC_SCOPES.includes(name)) ? requested : undefined;
}

/** The token a client_credentials request of `client` gets, or `undefined` when oidc-provider must decide. */
export async function decide(client: Client, identity: ServiceAccountIdentity | undefined, form: Form, { apis, accessTokenTtl }: DecisionDependencies): Promise<Decision | undefined> {
  if (!client.grantTypeAllowed('client_credentials') || client.dpopBoundAccessTokens || client.tlsClientCertificateBoundAccessTokens) return undefined;
  const requested = requestedScopes(client, form.scope);
  const policy = policyOf(client);
  const audience = form.resource ?? policy.audiences[0];
  if (!requested || audience === undefined || !policy.audiences.includes(audience) || !plainResource(audience)) return undefined;
  let apiScope = scopeRules(client).apiScope;
  let format = policy.accessTokenFormat;
  let ttl = accessTokenTtl(client);
  if (apis) {
    const record = await apis(audience);
    const serviceAccount = identity && `${identity.namespace}/${identity.name}`;
    if (!record || 'error' in decideAdmission(record, audience, client.clientId, requested, 'clientCredentials', serviceAccount)) return undefined;
    const own = new Set(apiScope.split(' '));
    apiScope = admittedInFlow(record, client.clientId, 'clientCredentials', serviceAccount).filter((name) => own.has(name)).join(' ');
    format = record.accessToken?.format ?? format;
    ttl = record.accessToken?.ttl ?? ttl;
  }
  if (!Number.isInteger(ttl) || ttl <= 0) return undefined;
  const granted = new Set(apiScope.split(' '));
  return { audience, scope: requested.filter((name) => granted.has(name)).join(' ') || undefined, format, ttl };
}
