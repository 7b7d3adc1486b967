// RFC 7662 steps oidc-provider does not take: only an authenticated client may introspect (§2.1), and a JWT access
// token is answered like any other token instead of refused with unsupported_token_type (§2.2: the endpoint says
// what it can vouch for, and `active: false` for everything else), so an API gateway can check any Purser token.
// Like an opaque token, a JWT issued under a grant is inactive once that grant is gone (jwt-access-token.ts).
import { errors, type KoaContextWithOIDC, type Provider } from 'oidc-provider';

import { INTROSPECTION_NEEDS_AUTHENTICATION } from '../errors/descriptions.ts';
import { InvalidClient } from '../errors/purser-error.ts';
import { failureOf, renderError } from '../errors/render.ts';
import type { AccessTokenVerifier } from './jwt-access-token.ts';
import type { IntrospectionPolicy } from './token-policies.ts';
import { SERVICE_ACCOUNT_CLAIM, workloadIdentityOf } from '../workload/authenticate.ts';

const INACTIVE = { active: false } as const;

/**
 * The RFC 7662 §2.2 answer for a JWT access token: its claims while it verifies (jwt-access-token.ts: its grant, if
 * it names one, included), its client still exists and today's policy lets the caller see it. Its grant_ref is not
 * echoed: it means nothing to the caller.
 */
async function introspectJwt(ctx: KoaContextWithOIDC, verify: AccessTokenVerifier, mayIntrospect: IntrospectionPolicy): Promise<Record<string, unknown>> {
  const { provider, client, params } = ctx.oidc;
  const claims = await verify(provider.issuer, String(params!.token));
  if (!claims) return INACTIVE;
  const clientId = claims.client_id;
  if (typeof clientId !== 'string' || !(await provider.Client.find(clientId))) return INACTIVE;
  if (!(await mayIntrospect(ctx, client as never, { clientId, aud: claims.aud as string | string[] | undefined }))) return INACTIVE;
  const { cnf } = claims as { cnf?: { jkt?: string } };
  // act: the actor chain of a token from a token exchange (RFC 8693 §4.1, §2.2.1's introspection of it).
  const { iss, sub, aud, scope, exp, iat, jti, act } = claims;
  const serviceAccount = claims[SERVICE_ACCOUNT_CLAIM];
  const extra = { ...(cnf ? { cnf } : {}), ...(act ? { act } : {}), ...(serviceAccount ? { [SERVICE_ACCOUNT_CLAIM]: serviceAccount } : {}) };
  return { active: true, iss, client_id: clientId, sub, aud, scope, exp, iat, jti, ...extra, token_type: cnf?.jkt ? 'DPoP' : 'Bearer' };
}

/** `mayIntrospect`: the policy the provider's introspection endpoint is configured with (token-policies.ts). */
export function installIntrospection(provider: Provider, verify: AccessTokenVerifier, mayIntrospect: IntrospectionPolicy): void {
  provider.use(async (ctx, next) => {
    await next();
    const oidc = (ctx as KoaContextWithOIDC).oidc;
    if (oidc?.route !== 'introspection' || !oidc.client) return;
    const jwtRefused = failureOf(ctx) instanceof errors.UnsupportedTokenType;
    if (oidc.client.clientAuthMethod === 'none' && !workloadIdentityOf(ctx as KoaContextWithOIDC) && (ctx.status < 400 || jwtRefused)) {
      await renderError(ctx, new InvalidClient(INTROSPECTION_NEEDS_AUTHENTICATION, { challenge: { scheme: 'Basic' } }));
    } else if (jwtRefused) {
      ctx.status = 200;
      ctx.body = await introspectJwt(ctx as KoaContextWithOIDC, verify, mayIntrospect);
    }
  });
}
