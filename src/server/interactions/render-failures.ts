// Turns whatever a step throws into an HTML page: an expired interaction is the person's to restart (400),
// a rejected request says why (4xx), a store that cannot serve now is a 503, and only a fault of ours is a 500,
// logged with its cause.
import { errors } from 'oidc-provider';

import type { Logger } from '../../log.ts';
import { StoreUnavailableError } from '../../store/unavailable.ts';
import { errorPage } from '../views/error.ts';
import type { Step } from './deps.ts';
import { renderPage } from './render.ts';

interface ExposedError {
  status: number;
  expose: true;
  message: string;
  error?: string;
  error_description?: string;
}

function isExposedClientError(error: unknown): error is ExposedError {
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
  return expose === true && typeof status === 'number' && status >= 400 && status < 500;
}

const EXPIRED = errorPage({
  title: 'This sign-in link has expired',
  message:
    'The page you came from is too old, was already used, or belongs to another browser. '
    + 'Go back to the application and start signing in again.',
});

export function renderFailures(log: Logger): Step {
  return async function renderFailures(ctx, next) {
    try {
      await next();
    } catch (error) {
      // A step that already answered (e.g. oidc-provider wrote its redirect) cannot be answered again.
      if (ctx.headerSent) {
        log.error({ err: error, path: ctx.path }, 'interaction failed after responding');
      } else if (error instanceof StoreUnavailableError) {
        // Nothing was stored: the same form, sent again in a moment, can succeed.
        log.warn({ fault: error.fault, path: ctx.path }, 'interaction refused: store unavailable');
        renderPage(ctx, 503, errorPage({
          title: 'Please try again in a moment',
          message: 'Purser cannot save anything right now. Nothing was changed; go back and send the form again shortly.',
          details: [['Error', error.error], ['Description', error.error_description]],
        }));
      } else if (error instanceof errors.SessionNotFound) {
        renderPage(ctx, 400, EXPIRED);
      } else if (isExposedClientError(error)) {
        renderPage(ctx, error.status, errorPage({
          title: 'This request could not be completed',
          message: 'Go back to the application and start signing in again.',
          details: [['Error', error.error], ['Description', error.error_description ?? error.message]],
        }));
      } else {
        log.error({ err: error, path: ctx.path }, 'interaction failed');
        renderPage(ctx, 500, errorPage({
          title: 'Something went wrong on our side',
          message: 'Purser could not finish this step. Please try again in a moment.',
        }));
      }
    }
  };
}
