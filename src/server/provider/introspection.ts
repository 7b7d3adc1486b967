// RFC 7662 steps oidc-provider does not take: only an authenticated client may introspect (§2.1), and a JWT access
// token is answered like any other token instead of refused with unsupported_token_type (§2.2: the endpoint says
// what it can vouch for, and `active: false` for everything else), so an API gateway can check any Purser token.
// Like an opaque token, a JWT issued under a grant is inactive once that grant is gone (jwt-access-token.ts). And any
// token whose user is no longer in the users file is inactive (§2.2: a token this server would not accept, as userinfo
// and the token endpoint refuse it), on the replica's own copy of the file as those endpoints judge it.
import { errors, type KoaContextWithOIDC, type Provider } from 'oidc-provider';

import { serviceAccountOfSubject } from '../../api/types.ts';

import { INTROSPECTION_NEEDS_AUTHENTICATION } from '../errors/descriptions.ts';
import { InvalidClient } from '../errors/purser-error.ts';
import { failureOf, renderError } from '../errors/render.ts';
import { GRANT_REFERENCE_CLAIM } from './grant-reference.ts';
import type { AccessTokenVerifier } from './jwt-access-token.ts';
import type { IntrospectionPolicy } from './token-policies.ts';
import { SERVICE_ACCOUNT_CLAIM, workloadIdentityOf } from '../workload/authenticate.ts';

const INACTIVE = { active: false } as const;

/**
 * The RFC 7662 §2.2 answer for a JWT access token: its claims while it verifies (jwt-access-token.ts: its grant, if
 * it names one, included), its client still exists and today's policy lets the caller see it. Its grant_ref is not
 * echoed: it means nothing to the caller.
 */
async function introspectJwt(ctx: KoaContextWithOIDC, verify: AccessTokenVerifier, mayIntrospect: IntrospectionPolicy): Promise<{ body: Record<string, unknown>; clientOnly?: boolean }> {
  const { provider, client, params } = ctx.oidc;
  const claims = await verify(provider.issuer, String(params!.token));
  if (!claims) return { body: INACTIVE };
  const clientId = claims.client_id;
  if (typeof clientId !== 'string' || !(await provider.Client.find(clientId))) return { body: INACTIVE };
  if (!(await mayIntrospect(ctx, client as never, { clientId, aud: claims.aud as string | string[] | undefined }))) return { body: INACTIVE };
  const { cnf } = claims as { cnf?: { jkt?: string } };
  // act: the actor chain of a token from a token exchange (RFC 8693 §4.1, §2.2.1's introspection of it).
  const { iss, sub, aud, scope, exp, iat, jti, act } = claims;
  const serviceAccount = claims[SERVICE_ACCOUNT_CLAIM];
  const extra = { ...(cnf ? { cnf } : {}), ...(act ? { act } : {}), ...(serviceAccount ? { [SERVICE_ACCOUNT_CLAIM]: serviceAccount } : {}) };
  const body = { active: true, iss, client_id: clientId, sub, aud, scope, exp, iat, jti, ...extra, token_type: cnf?.jkt ? 'DPoP' : 'Bearer' };
  // A client_credentials JWT: its client_id as sub, under no grant. A user's token names its grant, even when the
  // username happens to be the client's id.
  return { body, clientOnly: sub === clientId && claims[GRANT_REFERENCE_CLAIM] === undefined };
}

/** Whether the user `sub` still exists (oidc-provider's findAccount: accounts/find-account.ts). */
export type FindAccount = (ctx: KoaContextWithOIDC, sub: string) => Promise<unknown>;

/**
 * Whether an active answer names a user who is gone. A token acting for no user has no sub (an opaque
 * client_credentials token: oidc-provider sets sub from the account only) or is a client_credentials JWT
 * (`clientOnly`); one acting for a ServiceAccount (token exchange) names no user of the users file.
 */
async function userGone(ctx: KoaContextWithOIDC, body: Record<string, unknown>, clientOnly: boolean, findAccount: FindAccount): Promise<boolean> {
  const { sub } = body;
  if (typeof sub !== 'string' || clientOnly || serviceAccountOfSubject(sub)) return false;
  return !(await findAccount(ctx, sub));
}

/**
 * `mayIntrospect`: the policy the provider's introspection endpoint is configured with (token-policies.ts);
 * `findAccount`: the provider's, asked for the user of every active token.
 */
export function installIntrospection(provider: Provider, verify: AccessTokenVerifier, mayIntrospect: IntrospectionPolicy, findAccount: FindAccount): void {
  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as KoaContextWithOIDC).oidc;
    if (oidc?.route !== 'introspection' || !oidc.client) return;
    const jwtRefused = failureOf(ctx) instanceof errors.UnsupportedTokenType;
    let clientOnly = false;
    if (oidc.client.clientAuthMethod === 'none' && !workloadIdentityOf(ctx as KoaContextWithOIDC) && (ctx.status < 400 || jwtRefused)) {
      await renderError(ctx, new InvalidClient(INTROSPECTION_NEEDS_AUTHENTICATION, { challenge: { scheme: 'Basic' } }));
    } else if (jwtRefused) {
      ctx.status = 200;
      ({ body: ctx.body, clientOnly = false } = await introspectJwt(ctx as KoaContextWithOIDC, verify, mayIntrospect));
    }
    const body = ctx.body as Record<string, unknown> | undefined;
    if (ctx.status === 200 && body?.active === true && (await userGone(ctx as KoaContextWithOIDC, body, clientOnly, findAccount))) ctx.body = INACTIVE;
  });
}
