// Pins the Host a request is served under to the issuer's, unless a trusted proxy names it.
// oidc-provider writes absolute URLs from the request's origin (ctx.href): the endpoints in discovery, the URL a
// finished login resumes at (`/auth/<uid>`), the token endpoint a client assertion may name as its audience. Without
// a trusted proxy, the Host header is whatever the caller wrote, so a forged one would reach a Location header, a
// discovery document a cache keeps, or the audiences an assertion is checked against (Host header injection). With
// PURSER_TRUST_PROXY, Koa reads X-Forwarded-Host and X-Forwarded-Proto instead, which the proxy is trusted to set.
// An absolute-form request-target (RFC 9112 §3.2.2: `GET http://other.example/token HTTP/1.1`) names a host too, and
// Koa's ctx.href returns it as it is, ahead of Host and X-Forwarded-Host alike: it is cut down to its path and query.
import type { Middleware } from 'koa';

/** The scheme and authority of an absolute-form request-target. */
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * Middleware that replaces the Host header with the host (name and port) of `issuer` on every request, unless the
 * app trusts proxies (`app.proxy`, checked per request so it follows the provider's setting), and turns an
 * absolute-form request-target into its origin form (path and query) on every request.
 */
export function pinHostToIssuer(issuer: string): Middleware {
  const { host } = new URL(issuer);
  return (ctx, next) => {
    if (ABSOLUTE_FORM.test(ctx.originalUrl)) {
      const rest = ctx.originalUrl.replace(ABSOLUTE_FORM, '');
      const originForm = rest.startsWith('/') ? rest : `/${rest}`;
      ctx.url = originForm;
      ctx.originalUrl = originForm;
      ctx.request.originalUrl = originForm;
    }
    if (!ctx.app.proxy) ctx.req.headers.host = host;
    return next();
  };
}
