// Back-Channel Logout 1.0 §2.7 without the wait: oidc-provider's end_session calls Client#backchannelLogout for each
// client of the ending session and awaits them all before it redirects the user, and its own version POSTs the
// logout token there and then, once, from this replica. This replacement only queues a job (one write), which any
// replica delivers and retries (delivery.ts); oidc-provider's `backchannel.success` event therefore means "queued".
import { randomUUID } from 'node:crypto';

import type { Provider } from 'oidc-provider';

import type { LogoutJob } from '../../store/types.ts';

export function installBackchannelQueue(provider: Provider, enqueue: (job: LogoutJob) => Promise<void>): void {
  const prototype = provider.Client.prototype as unknown as { backchannelLogout(sub: string, sid?: string): Promise<void> };
  prototype.backchannelLogout = async function queueLogout(this: { clientId: string }, sub: string, sid?: string) {
    await enqueue({ jti: randomUUID(), clientId: this.clientId, sub, ...(sid ? { sid } : {}) });
  };
}
