// RFC 9110 §15.5.6: an endpoint asked with a method it does not serve answers 405 with Allow, not 404, so that
// `curl https://issuer/token` tells the caller to POST rather than that the URL is wrong.
import type { Middleware } from 'koa';

/** Paths (relative to the issuer) and the methods each serves. */
const ENDPOINTS: [RegExp, string][] = [
  [/^\/token$/, 'POST'],
  [/^\/token\/introspection$/, 'POST'],
  [/^\/token\/revocation$/, 'POST'],
  [/^\/request$/, 'POST'],
  [/^\/jwks$/, 'GET, HEAD'],
  [/^\/\.well-known\/openid-configuration$/, 'GET, HEAD'],
  [/^\/me$/, 'GET, POST'],
  [/^\/auth$/, 'GET, POST'],
  [/^\/session\/end$/, 'GET, POST'],
  [/^\/interaction\/[^/]+$/, 'GET'],
  [/^\/interaction\/[^/]+\/(login|confirm|abort)$/, 'POST'],
];

export function methodNotAllowed(): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.status !== 404 || ctx.method === 'OPTIONS') return;
    const allow = ENDPOINTS.find(([path]) => path.test(ctx.path))?.[1];
    if (!allow || allow.split(', ').includes(ctx.method)) return;
    ctx.status = 405;
    ctx.set('Allow', allow);
    ctx.body = { error: 'invalid_request', error_description: `${ctx.path} accepts ${allow.replace(', ', ' or ')}, not ${ctx.method}` };
  };
}
