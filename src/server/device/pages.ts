// oidc-provider's device flow pages (features.deviceFlow.*Source), in Purser's look. oidc-provider hands each a form
// of its own; Purser renders its own forms instead (labelled, no inline script, which the page CSP forbids) with the
// same fields and the session's xsrf value that oidc-provider checks on the POST.
import type { KoaContextWithOIDC } from 'oidc-provider';

import { setPageHeaders } from '../views/headers.ts';
import { confirmPage, deviceDonePage, userCodePage } from '../views/device.ts';
import { prefilledUserCode } from './prefill.ts';
import { USER_CODE_GUESSES_EXHAUSTED } from './user-code-lookup.ts';
import { USER_CODE_SHAPES, type UserCodeCharset } from './user-codes.ts';

/** What a person is told for each reason oidc-provider (or the guessing limit) sends them back to the code form. */
export const USER_CODE_MESSAGES = {
  NoCodeError: 'Enter the code your device shows.',
  NotFoundError: 'That code is not valid. Check it against the code on your device and try again.',
  ExpiredError: 'That code has expired. Start again on your device to get a new one.',
  AlreadyUsedError: 'That code has already been used. Start again on your device to get a new one.',
  [USER_CODE_GUESSES_EXHAUSTED]: 'Too many wrong codes have been entered. Wait 15 minutes, then try again.',
} as const;
export const USER_CODE_FAILED = 'Something went wrong while connecting your device. Start again on your device.';
export const SIGN_IN_CANCELLED = 'You cancelled: your device will not be signed in. To connect a device, enter its code.';

function send(ctx: KoaContextWithOIDC, page: string): void {
  setPageHeaders(ctx);
  ctx.type = 'html';
  ctx.body = page;
}

const clientNameOf = (ctx: KoaContextWithOIDC): string => ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId ?? 'A device';
const xsrfOf = (ctx: KoaContextWithOIDC): string => String((ctx.oidc.session?.state as { secret?: string } | undefined)?.secret ?? '');

function messages(error: (Error & { userCode?: string }) | undefined): { error?: string; notice?: string } {
  if (!error) return {};
  if (error.name === 'AbortedError') return { notice: SIGN_IN_CANCELLED };
  return { error: (USER_CODE_MESSAGES as Record<string, string | undefined>)[error.name] ?? USER_CODE_FAILED };
}

/** The three page sources for `features.deviceFlow`, for user codes of `charset`. */
export function devicePages(charset: UserCodeCharset) {
  const format = USER_CODE_SHAPES[charset];
  return {
    async userCodeInputSource(ctx: KoaContextWithOIDC, _form: string, _out?: unknown, error?: Error & { userCode?: string }): Promise<void> {
      const userCode = error?.userCode ?? prefilledUserCode(ctx);
      send(ctx, userCodePage({ action: ctx.oidc.urlFor('code_verification'), xsrf: xsrfOf(ctx), format, userCode, ...messages(error) }));
    },
    async userCodeConfirmSource(ctx: KoaContextWithOIDC, _form: string, client: { clientName?: string; clientId: string }, _deviceInfo: unknown, userCode: string): Promise<void> {
      send(ctx, confirmPage({ action: ctx.oidc.urlFor('code_verification'), xsrf: xsrfOf(ctx), userCode, clientName: client.clientName ?? client.clientId }));
    },
    async successSource(ctx: KoaContextWithOIDC): Promise<void> {
      send(ctx, deviceDonePage({ clientName: clientNameOf(ctx) }));
    },
  };
}
