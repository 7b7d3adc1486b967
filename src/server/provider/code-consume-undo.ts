// A full store refuses each write whole, but a code exchange writes more than once: oidc-provider consumes the
// authorization code, then saves the tokens. When Redis fills up in between, the client is told 503 "nothing was
// changed, retry later" (STORE_FAULT_DESCRIPTIONS.full), and its retry found the code spent: invalid_grant, and the
// grant revoked as code reuse (RFC 6749 §4.1.2). Here the consumption is undone before that answer leaves. Only for
// a full store: a write refused for memory was never applied, whereas one that timed out may still be, and a code
// must never buy two sets of tokens.
import { AsyncLocalStorage } from 'node:async_hooks';

import type { Provider } from 'oidc-provider';

import { STORE_FAULT_DESCRIPTIONS } from '../../store/unavailable.ts';

interface ConsumableCode {
  jti?: string;
  adapter: { unconsume(id: string): Promise<void> };
  consume(): Promise<void>;
}

export function installCodeConsumeUndo(provider: Provider): void {
  const consumed = new AsyncLocalStorage<{ code?: ConsumableCode }>();
  provider.use(async (ctx, next) => {
    const request: { code?: ConsumableCode } = {};
    await consumed.run(request, next);
    const refusedFull = ctx.status === 503 && (ctx.body as { error_description?: unknown } | undefined)?.error_description === STORE_FAULT_DESCRIPTIONS.full;
    if (refusedFull && request.code?.jti) await request.code.adapter.unconsume(request.code.jti).catch(() => undefined);
  });
  const prototype = provider.AuthorizationCode.prototype as unknown as ConsumableCode;
  const { consume } = prototype;
  prototype.consume = async function consumeAndRemember(this: ConsumableCode) {
    await consume.call(this);
    const request = consumed.getStore();
    if (request) request.code = this;
  };
}
