// Refuses a form post whose `csrf` field is not this interaction's token (403), before any work is done.
import { errorPage } from '../views/error.ts';
import { isValidCsrfToken } from './csrf.ts';
import type { Step } from './deps.ts';
import { formField } from './form.ts';
import { renderPage } from './render.ts';

const FORBIDDEN = errorPage({
  title: 'This form could not be accepted',
  message:
    'The form was not sent from this sign-in page, or the page is out of date. '
    + 'Go back to the application and start signing in again.',
});

export function checkCsrf(csrfKey: Buffer): Step {
  return async function checkCsrf(ctx, next) {
    if (isValidCsrfToken(csrfKey, ctx.params.uid ?? '', formField(ctx, 'csrf'))) {
      await next();
      return;
    }
    renderPage(ctx, 403, FORBIDDEN);
  };
}
