// The last handler: an error that no route answered (oidc-provider saves its session after its own error handler
// has run, for one) gets an answer of the route's kind — the error page on the pages a browser visits, JSON
// everywhere else — and one log line through pino, instead of Koa's plain-text 500 and a stack on stderr.
import type { Middleware } from 'koa';

import type { Logger } from '../log.ts';
import { renderPage } from './interactions/render.ts';
import { errorPage } from './views/error.ts';

/** The pages a browser visits: their errors are pages for a person. */
const BROWSER_PAGES = /^\/(auth|interaction|session\/end)(\/|$)/;

interface ExposedError {
  status: number;
  error?: string;
  error_description?: string;
  message: string;
}

function exposed(error: unknown): ExposedError | undefined {
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
  return expose === true && typeof status === 'number' && status >= 400 ? (error as ExposedError) : undefined;
}

export function answerEscapedErrors(log: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (caught) {
      const error = exposed(caught);
      const status = error?.status ?? 500;
      const body = error
        ? { error: error.error ?? 'invalid_request', error_description: error.error_description ?? error.message }
        : { error: 'server_error', error_description: 'the server could not complete this request; retry later' };
      if (status >= 500) log.error({ err: caught, path: ctx.path, status }, 'request failed');
      if (ctx.headerSent || !ctx.writable) return;
      if (!BROWSER_PAGES.test(ctx.path)) {
        ctx.status = status;
        ctx.body = body;
        return;
      }
      renderPage(ctx, status, errorPage({
        title: status >= 500 ? 'Something went wrong on our side' : 'This request could not be completed',
        message: status >= 500 ? 'Purser could not finish this step. Please try again in a moment.' : 'Go back to the application and start again.',
        details: [['Error', body.error], ['Description', body.error_description]],
      }));
    }
  };
}
