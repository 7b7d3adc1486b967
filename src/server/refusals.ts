// The requests Purser refuses before any route sees them, and the limits it refuses with; the words are in the
// errors module (errors/descriptions.ts) with every other description.
import type { Middleware } from 'koa';

import { CONTENT_ENCODING_NOT_ACCEPTED } from './errors/descriptions.ts';
import { InvalidRequest } from './errors/purser-error.ts';
import { renderError } from './errors/render.ts';

/** RFC 9110 §15.5.16: a body in a content coding the server does not accept. */
export const UNSUPPORTED_CONTENT_ENCODING = 415;

/**
 * One rule for every endpoint: a request with a Content-Encoding other than `identity` (gzip, deflate, br, anything)
 * gets 415 with `Accept-Encoding: identity` (RFC 9110 §12.5.3, §15.5.16). Forms are small, and decoding them would
 * only add a decompression bomb to worry about; before this rule, /token read a gzipped body as empty and the
 * interaction forms failed with a 500.
 */
export function refuseContentEncoding(): Middleware {
  // Not async: a request without a coding (nearly all) passes on next()'s own promise, with no frame of its own.
  return (ctx, next) => {
    const encoding = ctx.req.headers['content-encoding'];
    if (encoding === undefined || ['', 'identity'].includes(encoding.trim().toLowerCase())) return next();
    ctx.set('Accept-Encoding', 'identity');
    // The one renderer: JSON with no-store for programs, the error page for a browser's pages.
    return renderError(ctx, new InvalidRequest(CONTENT_ENCODING_NOT_ACCEPTED, { status: UNSUPPORTED_CONTENT_ENCODING }));
  };
}

/** Failed client authentications (wrong secrets) one address may make for one client_id per window. */
export const CLIENT_AUTH_FAILURES_PER_ADDRESS = 20;
export const CLIENT_AUTH_WINDOW_SECONDS = 15 * 60;
export const CLIENT_AUTH_THROTTLED = 429;
