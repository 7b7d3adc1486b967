// The device flow's pages (RFC 8628 §3.3): enter the code a device shows, confirm it is the device in front of you,
// then "done". Between the last two come the usual sign-in and consent pages. Every form carries oidc-provider's
// per-session xsrf value, which it checks on the POST.
import { html, type SafeHtml } from './html.ts';
import { layout, PRODUCT_NAME } from './layout.ts';

export interface UserCodeFormat {
  /** What the field shows before typing, e.g. `BCDF-GHJK`. */
  example: string;
  /** How the code is described to a person, e.g. "8 letters". */
  length: string;
  /** Whether the code is digits only (the numeric keyboard on phones). */
  numeric: boolean;
}

export interface UserCodePageInput {
  /** Where the form posts: oidc-provider's code_verification endpoint. */
  action: string;
  xsrf: string;
  format: UserCodeFormat;
  /** Put back into the field: what the person typed, or the code of a verification_uri_complete. */
  userCode?: string;
  /** A refusal, shown above the form and tied to the field with aria-describedby. */
  error?: string;
  /** A neutral message (the person cancelled), announced politely. */
  notice?: string;
}

const HINT_ID = 'user-code-hint';

/** What a person may type differently from the example: case only matters to letters; the digits have two dashes. */
const hint = (format: UserCodeFormat) => (format.numeric ? 'With or without the dashes.' : 'Upper or lower case, with or without the dash.');
const ERROR_ID = 'user-code-error';

export function userCodePage({ action, xsrf, format, userCode, error, notice }: UserCodePageInput): string {
  const describedBy = error ? `${ERROR_ID} ${HINT_ID}` : HINT_ID;
  return layout({
    title: 'Connect a device',
    body: html`<h1>Connect a device</h1>
<p class="muted">Enter the code shown on the device or command line that asked you to sign in.</p>
${notice && html`<p role="status">${notice}</p>`}
${error && html`<p id="${ERROR_ID}" class="alert" role="alert">${error}</p>`}
<form method="post" action="${action}">
<input type="hidden" name="xsrf" value="${xsrf}">
<label for="user_code">Code</label>
<input id="user_code" name="user_code" type="text" class="user-code" autocomplete="one-time-code"
 inputmode="${format.numeric ? 'numeric' : 'text'}" autocapitalize="characters" autocorrect="off" spellcheck="false"
 required autofocus placeholder="${format.example}" value="${userCode ?? ''}" aria-describedby="${describedBy}"${error ? html` aria-invalid="true"` : ''}>
<p id="${HINT_ID}" class="muted">${format.length}, such as ${format.example}. ${hint(format)}</p>
<div class="actions">
<button type="submit">Continue</button>
</div>
</form>`,
  });
}

export interface ConfirmPageInput {
  action: string;
  xsrf: string;
  /** The code as the device shows it (grouped), so the person can compare the two. */
  userCode: string;
  clientName: string;
}

/**
 * RFC 8628 §5.4 (remote phishing): the person confirms that the code is the one on a device they hold before
 * signing in. "Cancel" posts `abort`, which tells the device access_denied.
 */
export function confirmPage({ action, xsrf, userCode, clientName }: ConfirmPageInput): string {
  return layout({
    title: 'Confirm the device',
    body: html`<h1>Is this your device?</h1>
<p><strong>${clientName}</strong> asks to sign in as you. The device or command line you started it on shows this code:</p>
<p class="user-code" id="confirm-code">${userCode}</p>
<p class="muted">Continue only if you started this yourself and your device shows the same code. If someone sent you
this code or link, cancel.</p>
<form method="post" action="${action}">
<input type="hidden" name="xsrf" value="${xsrf}">
<input type="hidden" name="user_code" value="${userCode}">
<div class="actions">
<button type="submit" name="confirm" value="yes" autofocus aria-describedby="confirm-code">Continue</button>
<button type="submit" name="abort" value="yes" class="secondary">Cancel</button>
</div>
</form>`,
  });
}

export function deviceDonePage({ clientName }: { clientName: string }): string {
  const body: SafeHtml = html`<h1>Your device is connected</h1>
<p role="status"><strong>${clientName}</strong> is now signed in to ${PRODUCT_NAME} as you.</p>
<p class="muted">Go back to your device; you can close this window.</p>`;
  return layout({ title: 'Device connected', body });
}
