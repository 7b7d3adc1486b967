// Limits password guessing, counted in the shared store so every replica enforces one budget, in 15-minute windows.
// A browser without a device cookie for the username (known-device.ts) is refused, before any password is checked,
// after 10 failures for that username from its address, 100 from its address, or 50 for that username from
// anywhere. A browser with one has only its own budget (10 failures per device), so nobody else's guessing — at
// the same user from elsewhere, or at other users from a shared address such as a proxy or a NAT — locks it out.
// The address is the one the trusted proxy saw (PURSER_TRUSTED_PROXY_HOPS), never one the client wrote itself; an
// IPv6 one counts as its /64 (address-key.ts).
import type { RateCounters } from '../../store/types.ts';
import { addressKey } from '../address-key.ts';
import type { InteractionDeps, Step, StepContext } from './deps.ts';
import { formField } from './form.ts';
import { knownDevice } from './known-device.ts';
import { renderLoginForm } from './login-form.ts';

export const LOGIN_WINDOW_SECONDS = 15 * 60;
export const FAILURES_PER_USERNAME = 10;
export const FAILURES_PER_ADDRESS = 100;
export const FAILURES_PER_USERNAME_EVERYWHERE = 50;
export const FAILURES_PER_DEVICE = 10;
export const TOO_MANY_ATTEMPTS = 'Too many failed sign-in attempts. Wait 15 minutes, then try again.';

/** The counters that apply to this attempt, with their limits. */
function budgets(ctx: StepContext): Array<[key: string, limit: number]> {
  const username = (formField(ctx, 'username') ?? '').toLowerCase();
  const device = knownDevice(ctx, username);
  const address = addressKey(ctx.ip);
  if (device) return [[`login-failures:device:${device}`, FAILURES_PER_DEVICE]];
  return [
    [`login-failures:${address}:${username}`, FAILURES_PER_USERNAME],
    [`login-failures:${address}`, FAILURES_PER_ADDRESS],
    [`login-failures:user:${username}`, FAILURES_PER_USERNAME_EVERYWHERE],
  ];
}

/** The budgets throttleLogin counted this attempt against, on ctx.state, for login to give back on success. */
const COUNTED = Symbol('login budgets counted');

/** Gives back the attempt throttleLogin counted: a right password spends no budget. */
export async function releaseLoginAttempt(counters: RateCounters, ctx: StepContext): Promise<void> {
  const keys = (ctx.state as Record<symbol, string[] | undefined>)[COUNTED] ?? [];
  await Promise.all(keys.map((key) => counters.release(key)));
}

export function throttleLogin({ counters, csrfKey, log }: InteractionDeps): Step {
  return async function throttleLogin(ctx, next) {
    const applying = budgets(ctx);
    // Every attempt is counted (one atomic increment per budget) before its password is checked, and given back when
    // it is refused here or the password is right: checking the counts first and counting a failure after the password
    // check would let every attempt of a concurrent burst pass the same check.
    const counts = await Promise.all(applying.map(([key]) => counters.hit(key, LOGIN_WINDOW_SECONDS)));
    if (counts.every((count, i) => count <= applying[i]![1])) {
      (ctx.state as Record<symbol, string[]>)[COUNTED] = applying.map(([key]) => key);
      return next();
    }
    await Promise.all(applying.map(([key]) => counters.release(key)));
    log.warn({ address: ctx.ip }, 'sign-in refused: too many failed attempts');
    ctx.set('Retry-After', String(LOGIN_WINDOW_SECONDS));
    renderLoginForm(ctx, csrfKey, { status: 429, username: formField(ctx, 'username'), error: TOO_MANY_ATTEMPTS });
  };
}
