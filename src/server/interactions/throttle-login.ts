// Limits password guessing: after 10 failed attempts per address and username, or 100 per address, in 15 minutes,
// sign-in is refused before any password is checked. Counted in the shared store, so every replica enforces the
// same budget; keyed by address and username together, so an attacker elsewhere cannot lock a user out.
import type { RateCounters } from '../../store/types.ts';
import type { InteractionDeps, Step, StepContext } from './deps.ts';
import { formField } from './form.ts';
import { renderLoginForm } from './login-form.ts';

export const LOGIN_WINDOW_SECONDS = 15 * 60;
export const FAILURES_PER_USERNAME = 10;
export const FAILURES_PER_ADDRESS = 100;
export const TOO_MANY_ATTEMPTS = 'Too many failed sign-in attempts. Wait 15 minutes, then try again.';

function counterKeys(ctx: StepContext): [perUsername: string, perAddress: string] {
  const username = (formField(ctx, 'username') ?? '').toLowerCase();
  return [`login-failures:${ctx.ip}:${username}`, `login-failures:${ctx.ip}`];
}

/** Counts a failed attempt against both budgets. */
export async function recordFailedLogin(counters: RateCounters, ctx: StepContext): Promise<void> {
  await Promise.all(counterKeys(ctx).map((key) => counters.hit(key, LOGIN_WINDOW_SECONDS)));
}

export function throttleLogin({ counters, csrfKey, log }: InteractionDeps): Step {
  return async function throttleLogin(ctx, next) {
    const [perUsername, perAddress] = await Promise.all(counterKeys(ctx).map((key) => counters.count(key)));
    if (perUsername! < FAILURES_PER_USERNAME && perAddress! < FAILURES_PER_ADDRESS) return next();
    log.warn({ address: ctx.ip }, 'sign-in refused: too many failed attempts');
    ctx.set('Retry-After', String(LOGIN_WINDOW_SECONDS));
    renderLoginForm(ctx, csrfKey, { status: 429, username: formField(ctx, 'username'), error: TOO_MANY_ATTEMPTS });
  };
}
