// Corrects the few error responses where oidc-provider's answer is vaguer than, or differs from, what the RFCs ask
// for: each rule recognises one response and says what it should have been.
import type { Context } from 'koa';
import type { KoaContextWithOIDC, Provider } from 'oidc-provider';

interface ErrorBody {
  error?: string;
  error_description?: string;
}

interface Correction {
  status: number;
  body: ErrorBody;
  challenge?: string;
}

type Rule = (ctx: KoaContextWithOIDC, body: ErrorBody, issuer: string) => Correction | undefined;

/** oidc-provider's own limit on form bodies (lib/shared/selective_body.js). */
const FORM_BODY_LIMIT = 56 * 1024;

/** RFC 6749 §5.2: no client authentication is invalid_client; an empty client_id in Basic is a malformed request. */
const missingClientAuthentication: Rule = (ctx, body, issuer) => {
  if (body.error !== 'invalid_request' || body.error_description !== 'no client authentication mechanism provided') return undefined;
  if (/^basic\b/i.test(ctx.get('authorization'))) {
    return { status: 400, body: { error: 'invalid_request', error_description: 'the client_id in the Basic credentials is empty' } };
  }
  return {
    status: 401,
    challenge: `Basic realm="${issuer}"`,
    body: { error: 'invalid_client', error_description: 'client authentication is required: send client_id and client_secret with HTTP Basic (or client_id alone for a public client)' },
  };
};

/** RFC 7662 §2.1: introspection must require authentication, which a public client cannot give. */
const publicClientIntrospection: Rule = (ctx, _body, issuer) => {
  if (ctx.status >= 400 || ctx.oidc?.route !== 'introspection' || ctx.oidc.client?.clientAuthMethod !== 'none') return undefined;
  return {
    status: 401,
    challenge: `Basic realm="${issuer}"`,
    body: { error: 'invalid_client', error_description: 'introspection needs client authentication; a public client cannot introspect tokens' },
  };
};

/** A body over the limit is "too large", not a syntax error. */
const bodyTooLarge: Rule = (ctx, body) => {
  if (body.error_description !== 'failed to parse the request body' || (ctx.request.length ?? 0) <= FORM_BODY_LIMIT) return undefined;
  return { status: 413, body: { error: 'invalid_request', error_description: `request body too large: the limit is ${FORM_BODY_LIMIT / 1024} KiB` } };
};

/** RFC 6750 §3.1: a request with another authentication scheme gets the bare challenge, not an error code. */
const userinfoWithoutBearer: Rule = (ctx, body, issuer) => {
  if (ctx.oidc?.route !== 'userinfo' || body.error_description !== 'authorization header scheme must be `Bearer`') return undefined;
  return { status: 401, challenge: `Bearer realm="${issuer}"`, body: { error: 'invalid_token', error_description: 'userinfo takes a Bearer access token, not other credentials' } };
};

/** The challenge, carrying the error as oidc-provider's own challenges do (RFC 6750 §3), except a bare one. */
function challengeHeader({ challenge, body, status }: Correction): string {
  if (status === 401 && body.error === 'invalid_token') return challenge!;
  return `${challenge}, error="${body.error}", error_description="${body.error_description}"`;
}

const RULES: Rule[] = [missingClientAuthentication, publicClientIntrospection, bodyTooLarge, userinfoWithoutBearer];

export function installProtocolErrorCorrections(provider: Provider): void {
  provider.use(async (ctx: Context, next) => {
    await next();
    const body = (ctx.body ?? {}) as ErrorBody;
    if (typeof body !== 'object' || (ctx.status < 400 && (ctx as unknown as KoaContextWithOIDC).oidc?.route !== 'introspection')) return;
    for (const rule of RULES) {
      const correction = rule(ctx as unknown as KoaContextWithOIDC, body, provider.issuer);
      if (!correction) continue;
      ctx.status = correction.status;
      ctx.body = correction.body;
      if (correction.challenge) ctx.set('WWW-Authenticate', challengeHeader(correction));
      return;
    }
  });
}
