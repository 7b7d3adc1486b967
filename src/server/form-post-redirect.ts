// OIDC Core §3.1.2.1 and RP-Initiated Logout 1.0 §2: the authorization and end-session endpoints MUST accept POST
// with a form body as well as GET. oidc-provider serves POST there only with `enableHttpPostMethods`, which demands
// SameSite=None cookies, because a cross-site POST (an RP's auto-submitting form) carries no SameSite=Lax cookies:
// the user would look signed out (a second login, a logout that ends nothing).
//
// Purser keeps its Lax cookies and answers such a POST with 303 See Other to the same endpoint with the same
// parameters in the query: the browser follows it with a top-level GET, which does carry Lax cookies, and the GET
// endpoint does the rest. Every parameter is kept, in order, repeats included. The trade-off: the parameters of a
// POSTed request end up in the URL (browser history, the Referer of the next page), as they would with GET, which
// OIDC treats as equivalent; Purser logs no query strings. A body whose query would not fit in a URL (over
// MAX_QUERY_BYTES) is refused rather than truncated.
import type { Middleware } from 'koa';

import { describe, FORM_POST_MEDIA_TYPE, FORM_POST_TOO_LARGE } from './errors/descriptions.ts';
import { InvalidRequest } from './errors/purser-error.ts';
import { renderError } from './errors/render.ts';

/** Endpoints (oidc-provider's default routes) that must take a form POST as they take a GET. */
const FORM_POST_PATHS = new Set(['/auth', '/session/end']);

/** Longest query Purser redirects with: well below Node's 16 KiB limit for a request line and its headers. */
export const MAX_QUERY_BYTES = 8192;


/** The body as text, or `undefined` once it passes `limit` bytes (the rest is not read). */
async function readLimited(stream: AsyncIterable<Buffer>, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function formPostRedirect(): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || !FORM_POST_PATHS.has(ctx.path)) return next();
    ctx.set('Cache-Control', 'no-store');
    // A form without fields may come without a type (and without a body): that is a request without parameters.
    if (ctx.request.type !== '' && ctx.request.type !== 'application/x-www-form-urlencoded') {
      await renderError(ctx, new InvalidRequest(FORM_POST_MEDIA_TYPE, { status: 415 }));
      return;
    }
    const body = await readLimited(ctx.req, MAX_QUERY_BYTES);
    const params = new URLSearchParams(ctx.querystring);
    for (const [name, value] of new URLSearchParams(body ?? '')) params.append(name, value);
    const query = params.toString();
    if (body === undefined || query.length > MAX_QUERY_BYTES) {
      ctx.set('Connection', 'close');
      await renderError(ctx, new InvalidRequest(describe(FORM_POST_TOO_LARGE, MAX_QUERY_BYTES), { status: 413 }));
      return;
    }
    ctx.status = 303;
    ctx.redirect(query ? `${ctx.path}?${query}` : ctx.path);
  };
}
