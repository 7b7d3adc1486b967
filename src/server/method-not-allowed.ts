// RFC 9110 §15.5.6: an endpoint asked with a method it does not serve answers 405 with Allow, not 404, so that
// `curl https://issuer/token` tells the caller to POST rather than that the URL is wrong. A path nothing serves is a
// 404 that says so, in JSON like every other error a program gets, whatever the method (OPTIONS too).
import type { Middleware } from 'koa';

import { describe, METHOD_NOT_ALLOWED, NO_SUCH_ENDPOINT } from './errors/descriptions.ts';
import { InvalidRequest } from './errors/purser-error.ts';
import { renderError } from './errors/render.ts';

/** Paths (relative to the issuer) and the methods each serves. */
const ENDPOINTS: [RegExp, string][] = [
  [/^\/token$/, 'POST'],
  [/^\/token\/introspection$/, 'POST'],
  [/^\/token\/revocation$/, 'POST'],
  [/^\/request$/, 'POST'],
  [/^\/jwks$/, 'GET, HEAD'],
  [/^\/\.well-known\/openid-configuration$/, 'GET, HEAD'],
  // RFC 8414 §3: oidc-provider serves the OAuth metadata as well; the probes are Purser's (health.ts).
  [/^\/\.well-known\/oauth-authorization-server$/, 'GET, HEAD'],
  [/^\/(healthz|readyz)$/, 'GET, HEAD'],
  [/^\/me$/, 'GET, POST'],
  [/^\/auth$/, 'GET, POST'],
  [/^\/session\/end$/, 'GET, POST'],
  [/^\/interaction\/[^/]+$/, 'GET'],
  [/^\/interaction\/[^/]+\/(login|confirm|abort)$/, 'POST'],
  // oidc-provider's other routes (lib/helpers/initialize_app.js): the authorization resume, the logout steps, and the
  // device flow (RFC 8628): its authorization endpoint before the resume, whose :uid would match "auth" too.
  [/^\/auth\/[^/]+$/, 'GET'],
  [/^\/session\/end\/confirm$/, 'POST'],
  [/^\/session\/end\/success$/, 'GET'],
  [/^\/device$/, 'GET, POST'],
  [/^\/device\/auth$/, 'POST'],
  [/^\/device\/[^/]+$/, 'GET'],
];

/** `/metrics` when the app serves it (not when PURSER_METRICS_PORT puts it on a port of its own). */
export const METRICS_ENDPOINT: [RegExp, string] = [/^\/metrics$/, 'GET, HEAD'];

/** "GET, HEAD, OPTIONS" → "GET, HEAD or OPTIONS": the methods of an Allow value, as the 405's description names them. */
const spelledOut = (allow: string): string => allow.replace(/, (?=[^,]*$)/, ' or ');

/** `served`: endpoints this app has beyond the fixed ones (METRICS_ENDPOINT). */
export function methodNotAllowed(served: [RegExp, string][] = []): Middleware {
  const endpoints = [...ENDPOINTS, ...served];
  return async (ctx, next) => {
    await next();
    if (ctx.status !== 404 || ctx.body !== undefined) return;
    const served = endpoints.find(([path]) => path.test(ctx.path))?.[1];
    // RFC 9110 §9.3.7: every endpoint answers OPTIONS too, so Allow (and the 405's description, which says the same) lists it.
    const allow = served && `${served}, OPTIONS`;
    if (allow && ctx.method === 'OPTIONS') {
      // OPTIONS without a CORS preflight (oidc-provider answers those) asks what the endpoint serves.
      ctx.status = 204;
      ctx.set('Allow', allow);
    } else if (allow && !served.split(', ').includes(ctx.method)) {
      await renderError(ctx, new InvalidRequest(describe(METHOD_NOT_ALLOWED, ctx.path, spelledOut(allow), ctx.method), { status: 405, allow }));
    } else if (!allow) {
      await renderError(ctx, new InvalidRequest(describe(NO_SUCH_ENDPOINT, ctx.path), { status: 404 }));
    }
  };
}
