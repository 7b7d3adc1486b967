// The login / consent pages, one route per step; each route lists its steps in the order they run.
import Router from '@koa/router';

import { abort } from './abort.ts';
import { checkCsrf } from './check-csrf.ts';
import { confirm } from './confirm.ts';
import type { InteractionDeps, InteractionState } from './deps.ts';
import { expectPrompt } from './expect-prompt.ts';
import { parseForm } from './form.ts';
import { loadDetails } from './load-details.ts';
import { login } from './login.ts';
import { pageHeaders } from './page-headers.ts';
import { renderFailures } from './render-failures.ts';
import { requireAccount } from './require-account.ts';
import { showPrompt } from './show-prompt.ts';
import { throttleLogin } from './throttle-login.ts';

export type { InteractionDeps } from './deps.ts';
export { csrfKeyFor, csrfTokenFor, isValidCsrfToken } from './csrf.ts';

export function createInteractionRouter(deps: InteractionDeps): Router<InteractionState> {
  const { provider, csrfKey } = deps;
  const log = deps.log.child({ component: 'interactions' });
  const steps = { ...deps, log };

  const page = [pageHeaders, renderFailures(log)];
  // CSRF before loading anything: a forged post costs no store lookup.
  const form = [...page, parseForm, checkCsrf(csrfKey), loadDetails(provider)];

  const router = new Router<InteractionState>();
  router.get('/interaction/:uid', ...page, loadDetails(provider), requireAccount(steps), showPrompt(steps));
  router.post('/interaction/:uid/login', ...form, expectPrompt('login'), throttleLogin(steps), login(steps));
  router.post('/interaction/:uid/confirm', ...form, expectPrompt('consent'), requireAccount(steps), confirm(provider));
  router.post('/interaction/:uid/abort', ...form, abort(provider));
  return router;
}
