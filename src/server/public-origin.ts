// Pins the Host a request is served under to the issuer's, unless a trusted proxy names it.
// oidc-provider writes absolute URLs from the request's origin (ctx.href): the endpoints in discovery, the URL a
// finished login resumes at (`/auth/<uid>`), the token endpoint a client assertion may name as its audience. Without
// a trusted proxy, the Host header is whatever the caller wrote, so a forged one would reach a Location header, a
// discovery document a cache keeps, or the audiences an assertion is checked against (Host header injection). With
// PURSER_TRUST_PROXY, Koa reads X-Forwarded-Host and X-Forwarded-Proto instead, which the proxy is trusted to set.
import type { Middleware } from 'koa';

/**
 * Middleware that replaces the Host header with the host (name and port) of `issuer` on every request, unless the
 * app trusts proxies (`app.proxy`, checked per request so it follows the provider's setting).
 */
export function pinHostToIssuer(issuer: string): Middleware {
  const { host } = new URL(issuer);
  return (ctx, next) => {
    if (!ctx.app.proxy) ctx.req.headers.host = host;
    return next();
  };
}
