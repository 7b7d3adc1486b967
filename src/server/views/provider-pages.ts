// The pages oidc-provider renders itself (logout confirmation, signed out, errors), in Purser's look.
// Plug into the provider configuration: `renderError` and `features.rpInitiatedLogout.{logoutSource,
// postLogoutSuccessSource}`.
import type { ErrorOut, KoaContextWithOIDC } from 'oidc-provider';

import { errorPage } from './error.ts';
import { setPageHeaders } from './headers.ts';
import { html, trustedHtml } from './html.ts';
import { layout, PRODUCT_NAME } from './layout.ts';

function clientNameOf(ctx: KoaContextWithOIDC): string | undefined {
  const client = ctx.oidc?.client;
  return client ? (client.clientName ?? client.clientId) : undefined;
}

function send(ctx: KoaContextWithOIDC, page: string): void {
  setPageHeaders(ctx);
  ctx.type = 'html';
  ctx.body = page;
}

/**
 * `form` is oidc-provider's hidden `<form id="op.logoutForm">` carrying the session's xsrf value: trusted markup.
 * Its confirm step ends the whole session when `logout` has any value, so "No" must send no `logout` at all
 * (then only the asking client's part of the session is dropped) — a `value="no"` would sign the user out.
 */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const clientName = clientNameOf(ctx);
  send(ctx, layout({
    title: 'Sign out?',
    body: html`<h1>Sign out of ${clientName ?? PRODUCT_NAME}?</h1>
<p class="muted">Signing out ends your ${PRODUCT_NAME} session: every application that uses it will ask you to sign in again.</p>
${trustedHtml(form)}
<div class="actions">
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>
</div>`,
  }));
}

export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  const clientName = clientNameOf(ctx);
  send(ctx, layout({
    title: 'Signed out',
    body: html`<h1>You are signed out</h1>
${clientName ? html`<p>You have signed out of <strong>${clientName}</strong>.</p>` : ''}
<p class="muted">You can close this window.</p>`,
  }));
}

/** The status is already set by oidc-provider; `out` is what it would have sent as JSON (never internal detail). */
export async function renderError(ctx: KoaContextWithOIDC, out: ErrorOut, _error: unknown): Promise<void> {
  send(ctx, errorPage({
    title: 'Something went wrong',
    message: ctx.status >= 500
      ? 'Purser could not complete this request. Please try again in a moment.'
      : 'The application sent a request that could not be completed. Go back to the application and start again; if it happens again, tell its owners what is shown below.',
    details: [
      ['Error', out.error],
      ['Description', out.error_description],
    ],
  }));
}
