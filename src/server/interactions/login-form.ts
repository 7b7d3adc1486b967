// Renders the sign-in page for the loaded interaction: first view, or again after a failed attempt.
import { loginPage } from '../views/login.ts';
import { csrfTokenFor } from './csrf.ts';
import { loaded, type StepContext } from './deps.ts';
import { stepPath } from './paths.ts';
import { renderPage } from './render.ts';

export interface LoginFormState {
  status?: number;
  username?: string;
  error?: string;
}

export function renderLoginForm(ctx: StepContext, csrfKey: Buffer, { status = 200, username, error }: LoginFormState = {}): void {
  const { details, clientName } = loaded(ctx);
  const { uid } = details;
  const loginHint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
  renderPage(ctx, status, loginPage({
    action: stepPath(uid, 'login'),
    abortAction: stepPath(uid, 'abort'),
    csrf: csrfTokenFor(csrfKey, uid),
    clientName,
    username: username ?? loginHint,
    error,
  }));
}
