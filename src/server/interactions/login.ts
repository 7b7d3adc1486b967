// POST login: checks the username and password; a failure shows the form again (401), a success finishes login.
import { loaded, type InteractionDeps, type Step } from './deps.ts';
import { formField } from './form.ts';
import { rememberDevice } from './known-device.ts';
import { renderLoginForm } from './login-form.ts';
import { releaseLoginAttempt } from './throttle-login.ts';

export const LOGIN_FAILED = 'Wrong username or password';

export function login({ provider, users, csrfKey, log, counters }: InteractionDeps): Step {
  return async function login(ctx) {
    const { details } = loaded(ctx);
    const username = formField(ctx, 'username') ?? '';
    const password = formField(ctx, 'password') ?? '';
    const user = username && password ? await users.authenticate(username, password) : undefined;
    const clientId = details.params.client_id;
    if (!user) {
      // No username in the line: people type their password into that field often enough.
      log.info({ clientId }, 'login failed');
      // throttleLogin counted the attempt already.
      renderLoginForm(ctx, csrfKey, { status: 401, username, error: LOGIN_FAILED });
      return;
    }
    log.info({ clientId, accountId: user.username }, 'login succeeded');
    await releaseLoginAttempt(counters, ctx);
    rememberDevice(ctx, user.username);
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: user.username } }, { mergeWithLastSubmission: false });
  };
}
