// RFC 8628 §3.3.1: verification_uri_complete carries the user code, so the person need not type it. oidc-provider
// answers it with a page that submits itself by script, which Purser's page CSP forbids; instead the code is taken
// off the URL here and put into the code field of the ordinary form, which the person submits (and then confirms,
// RFC 8628 §5.4), so a link alone never signs anyone in.
import type { Context, Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';

const PREFILL = Symbol('verification_uri_complete user_code');

/** A user code longer than this is no code of ours; it is dropped rather than shown back. */
const MAX_USER_CODE_LENGTH = 64;

/** Middleware for `path` (oidc-provider's code_verification route): moves a GET's user_code into the request's state. */
export function prefillUserCode(path: string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const userCode = ctx.query.user_code;
    if (ctx.method === 'GET' && ctx.path === path && userCode !== undefined) {
      if (typeof userCode === 'string' && userCode.length <= MAX_USER_CODE_LENGTH) (ctx.state as Record<symbol, string>)[PREFILL] = userCode;
      const query = new URLSearchParams(ctx.querystring);
      query.delete('user_code');
      ctx.querystring = query.toString();
    }
    await next();
  };
}

export function prefilledUserCode(ctx: KoaContextWithOIDC): string | undefined {
  return (ctx.state as Record<symbol, string | undefined>)[PREFILL];
}
