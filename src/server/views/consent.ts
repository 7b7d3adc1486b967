// The consent question: who is asking, for what, on whose behalf; Allow and Deny post to different steps.
import { describeAccess, type RequestedAccess } from './consent-words.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';

export interface ConsentPageInput {
  /** Where "Allow" posts (the interaction's confirm step). */
  action: string;
  /** Where "Deny" posts (the interaction's abort step). */
  abortAction: string;
  csrf: string;
  clientName: string;
  accountId: string;
  access: RequestedAccess;
}

export function consentPage({ action, abortAction, csrf, clientName, accountId, access }: ConsentPageInput): string {
  const items = describeAccess(access);
  return layout({
    title: `Allow ${clientName}?`,
    body: html`<h1>Allow <strong>${clientName}</strong> to use your account?</h1>
<p class="muted">Signed in as <strong>${accountId}</strong></p>
${items.length
  ? html`<p>${clientName} is asking to:</p>
<ul>${items.map((item) => html`<li>${item}</li>`)}</ul>`
  : html`<p>${clientName} is asking to use your account.</p>`}
<form method="post" action="${action}">
<input type="hidden" name="csrf" value="${csrf}">
<div class="actions">
<button type="submit">Allow</button>
<button type="submit" class="secondary" formaction="${abortAction}">Deny</button>
</div>
</form>`,
  });
}
