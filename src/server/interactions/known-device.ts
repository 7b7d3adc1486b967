// Device cookies (OWASP "Slow down online guessing attacks with device cookies"): a browser that signed in as a
// user gets a signed cookie naming that user; from then on it has a failure budget of its own for that user, so
// guesses made by others — at that user, or from the same address — never lock it out.
import { randomBytes } from 'node:crypto';

import type { StepContext } from './deps.ts';

export const DEVICE_COOKIE = 'purser.device';
/** How long a browser stays known after its last sign-in. */
export const DEVICE_COOKIE_DAYS = 90;

/** The device id when the browser holds a valid (signed, unexpired) device cookie for `username`, else undefined. */
export function knownDevice(ctx: StepContext, username: string): string | undefined {
  const value = ctx.cookies.get(DEVICE_COOKIE, { signed: true });
  const [id, user] = value?.split('.') ?? [];
  if (!id || user === undefined) return undefined;
  return Buffer.from(user, 'base64url').toString() === username.toLowerCase() ? id : undefined;
}

/** Marks the browser as known for `username` (a new device id each sign-in: a stolen cookie gets no fresh budget). */
export function rememberDevice(ctx: StepContext, username: string): void {
  const value = `${randomBytes(16).toString('base64url')}.${Buffer.from(username.toLowerCase()).toString('base64url')}`;
  ctx.cookies.set(DEVICE_COOKIE, value, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    path: '/interaction/',
    maxAge: DEVICE_COOKIE_DAYS * 86400 * 1000,
    overwrite: true,
  });
}
