// Response headers for every HTML page Purser renders: nothing cached, nothing framed, nothing loaded or run.
import type { Context } from 'koa';

import { STYLES_CSP_SOURCE } from './styles.ts';

/**
 * No `form-action`: Chrome and Safari apply it to every redirect after a submission, and ours end in a redirect
 * to the client's redirect_uri (any origin, custom schemes for native apps), which it would block. Forms here
 * only post to our own paths, and with no script allowed nothing can retarget them.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${STYLES_CSP_SOURCE}`,
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

export function setPageHeaders(ctx: Pick<Context, 'set'>): void {
  ctx.set(PAGE_HEADERS);
}
