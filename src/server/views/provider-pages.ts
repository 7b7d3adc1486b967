// The pages oidc-provider renders itself (logout confirmation, signed out), in Purser's look. Plug into the
// provider configuration: `features.rpInitiatedLogout.{logoutSource, postLogoutSuccessSource}`. Error pages come
// from the one renderer, src/server/errors/render.ts.
import type { KoaContextWithOIDC } from 'oidc-provider';

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
