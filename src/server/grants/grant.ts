// What a grant type Purser adds to the token endpoint is: its grant_type, the parameters it reads, and a handler.
// oidc-provider authenticates the client, refuses a grant_type the client's grantTypes do not list
// (unauthorized_client) and drops parameters the grant does not name, before the handler runs.
import type { KoaContextWithOIDC } from 'oidc-provider';

import type { ApiLookup } from '../provider/api-admission.ts';
import type { ClientLike } from '../provider/client-policy.ts';
import type { AccessTokenVerifier } from '../provider/jwt-access-token.ts';
import type { IntrospectionPolicy } from '../provider/token-policies.ts';
import type { WorkloadAuthentication } from '../workload/authenticate.ts';

/** What a grant may use besides the request: the server's decisions, built once in createProvider. */
export interface GrantDependencies {
  /** The API catalog (OAuthAPI records, by audience). */
  apis: ApiLookup;
  /** Verifies a JWT access token of this server (signature, issuer, typ, expiry). */
  verifyAccessToken: AccessTokenVerifier;
  /** Who may see which token: the introspection policy (token-policies.ts). */
  mayIntrospect: IntrospectionPolicy;
  /** Whether the user `sub` still exists (oidc-provider's findAccount). */
  findAccount: (ctx: KoaContextWithOIDC, sub: string) => Promise<unknown>;
  /** Seconds an access token of `client` lives when its audience's OAuthAPI sets no ttl. */
  accessTokenTtl: (client: ClientLike) => number;
  /** The trusted ServiceAccount issuers' keys and the audience their tokens must carry (workload identity). */
  workload: WorkloadAuthentication;
}

export interface GrantType {
  /** The grant_type value, e.g. an RFC's URN. */
  type: string;
  /** Token request parameters the grant reads besides grant_type and client authentication; others are dropped. */
  parameters: readonly string[];
  /** Parameters that may be repeated (each else refused with invalid_request by oidc-provider). */
  repeatable?: readonly string[];
  /** The handler answering one token request of this grant: sets ctx.body or throws a PurserError. */
  handler(deps: GrantDependencies): (ctx: KoaContextWithOIDC) => Promise<void>;
}
