// The one place an error becomes a response. Programs get JSON whatever they Accept (RFC 6749 §5.2, RFC 7662 §2.3,
// RFC 7009 §2.2.1, RFC 6750 §3): Java's HTTP client sends `Accept: text/html, image/gif, image/jpeg, */*; q=0.2`
// and must still read `error`. Only the pages a browser visits answer with a page, when the browser prefers HTML.
import type { Context } from 'koa';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

import { errorPage } from '../views/error.ts';
import { setPageHeaders } from '../views/headers.ts';
import { fromLibrary } from './from-library.ts';
import { PurserError, ServerError, type Challenge } from './purser-error.ts';

type Failure = InstanceType<typeof errors.OIDCProviderError>;

/** oidc-provider routes a person's browser visits; everything else is called by programs. */
const PAGE_ROUTES = new Set(['authorization', 'resume', 'end_session', 'end_session_confirm', 'end_session_success', 'code_verification', 'device_resume']);

/** The same pages by path, for refusals made before oidc-provider has seen the request (encoded or non-form bodies). */
const PAGE_PATHS = /^\/(auth|session\/end|interaction)(\/|$)/;

const isPage = (ctx: Context): boolean => PAGE_ROUTES.has(String((ctx as KoaContextWithOIDC).oidc?.route)) || PAGE_PATHS.test(ctx.path);

/** What was rendered for a request, for steps that answer differently after oidc-provider refused (introspection). */
const rendered = new WeakMap<Context, Failure>();

export function failureOf(ctx: Context): Failure | undefined {
  return rendered.get(ctx);
}

/** RFC 6750 §3 / RFC 7617 quoting: backslash and double quote are escaped. */
const quote = (value: string): string => `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;

function challengeHeader(ctx: Context, { scheme, bare }: Challenge, failure: Failure): string {
  const realm = (ctx as KoaContextWithOIDC).oidc?.issuer ?? ctx.origin;
  const params = [`realm=${quote(realm)}`];
  if (!bare) params.push(`error=${quote(failure.error)}`, `error_description=${quote(failure.error_description ?? '')}`);
  return `${scheme} ${params.join(', ')}`;
}

/**
 * RFC 6749 §5.2: a client that authenticated with the Authorization header gets the challenge of its scheme;
 * RFC 9110 §15.5.2: every 401 carries a challenge. A PurserError's own challenge replaces what oidc-provider set.
 */
function setChallenge(ctx: Context, failure: Failure): void {
  const own = failure instanceof PurserError ? failure.challenge : undefined;
  if (own) {
    ctx.remove('WWW-Authenticate');
    ctx.set('WWW-Authenticate', challengeHeader(ctx, own, failure));
  } else if (failure.statusCode === 401 && !ctx.response.get('WWW-Authenticate')) {
    ctx.set('WWW-Authenticate', challengeHeader(ctx, { scheme: 'Basic' }, failure));
  }
}

function page(failure: Failure): string {
  return errorPage({
    title: 'Something went wrong',
    message: failure.statusCode >= 500
      ? 'Purser could not complete this request. Please try again in a moment.'
      : 'The application sent a request that could not be completed. Go back to the application and start again; if it happens again, tell its owners what is shown below.',
    details: [['Error', failure.error], ['Description', failure.error_description]],
  });
}

/**
 * Answers `error` (a PurserError, anything oidc-provider raised, or any other throw, which becomes a 500 that says
 * nothing more): status, `error` and `error_description` (and `scope` for invalid_scope), never cached (RFC 6749
 * §5.1), with the challenge a 401 needs and the Allow a 405 needs.
 */
export async function renderError(ctx: Context, error: unknown): Promise<void> {
  const oidc = (ctx as KoaContextWithOIDC).oidc;
  const failure: Failure = oidc ? await fromLibrary(ctx as KoaContextWithOIDC, error) : error instanceof PurserError ? error : new ServerError(error);
  rendered.set(ctx, failure);
  ctx.status = failure.statusCode;
  ctx.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  if (failure instanceof PurserError && failure.allow) ctx.set('Allow', failure.allow);
  setChallenge(ctx, failure);
  if (isPage(ctx) && ctx.request.accepts('json', 'html') === 'html') {
    setPageHeaders(ctx);
    ctx.type = 'html';
    ctx.body = page(failure);
    return;
  }
  const { scope } = failure as { scope?: string };
  ctx.body = { error: failure.error, error_description: failure.error_description, ...(scope === undefined ? {} : { scope }) };
}
