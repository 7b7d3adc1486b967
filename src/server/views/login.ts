// The sign-in form: labelled fields with the autocomplete hints password managers need; a failure is announced.
import { html } from './html.ts';
import { layout } from './layout.ts';

export interface LoginPageInput {
  /** Where the form posts (the interaction's login step). */
  action: string;
  /** Where "Cancel" posts (the interaction's abort step). */
  abortAction: string;
  csrf: string;
  clientName: string;
  /** Put back into the field after a failed attempt, or taken from the request's login_hint. */
  username?: string;
  /** Shown above the form and tied to both fields with aria-describedby. */
  error?: string;
}

const ERROR_ID = 'login-error';

export function loginPage({ action, abortAction, csrf, clientName, username, error }: LoginPageInput): string {
  // Fields point at the message only when there is one; a dangling aria-describedby id helps no one.
  const describedBy = error ? html` aria-describedby="${ERROR_ID}" aria-invalid="true"` : '';
  // Focus goes where typing starts: the username, or the password when the username is already filled in.
  const focusUsername = !username;
  return layout({
    title: 'Sign in',
    body: html`<h1>Sign in</h1>
<p class="muted">to continue to <strong>${clientName}</strong></p>
${error && html`<p id="${ERROR_ID}" class="alert" role="alert">${error}</p>`}
<form method="post" action="${action}">
<input type="hidden" name="csrf" value="${csrf}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false"
 required${focusUsername && html` autofocus`} value="${username ?? ''}"${describedBy}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password"
 required${!focusUsername && html` autofocus`}${describedBy}>
<div class="actions">
<button type="submit">Sign in</button>
<button type="submit" class="secondary" formaction="${abortAction}" formnovalidate>Cancel</button>
</div>
</form>`,
  });
}
