// RFC 8628 §3.5 at the token endpoint: oidc-provider answers a pending device code authorization_pending however
// often it is polled; a poll that came too soon (poll-pace.ts) is answered slow_down instead.
import type { Context, Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';

import { DEVICE_CODE_GRANT } from '../../api/types.ts';
import { describe, DEVICE_POLL_TOO_FAST } from '../errors/descriptions.ts';
import { SlowDown } from '../errors/purser-error.ts';
import { renderError } from '../errors/render.ts';
import type { PollPace } from './poll-pace.ts';

export function slowDown(pace: PollPace) {
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    const { oidc } = ctx as KoaContextWithOIDC;
    if (oidc?.route !== 'token' || oidc.params?.grant_type !== DEVICE_CODE_GRANT) return;
    if (ctx.status !== 400 || (ctx.body as { error?: unknown } | undefined)?.error !== 'authorization_pending') return;
    const interval = await pace.tooSoon(String(oidc.params.device_code));
    if (interval !== undefined) await renderError(ctx, new SlowDown(describe(DEVICE_POLL_TOO_FAST, interval)));
  };
}
