// Client authentication against the hashed secrets of the client's record, in constant time, with a limit on wrong
// secrets per address and client_id: once CLIENT_AUTH_FAILURES_PER_ADDRESS are counted in a window, that address
// gets 429 invalid_client for that client before any secret is compared, the right one included. There is no limit
// per client_id alone: anyone could then lock a workload out by sending wrong secrets for it. Secrets are 256-bit
// random values, so the limit does not make guessing harder than hopeless; it caps the work and noise of one source.
import { errors, Provider } from 'oidc-provider';

import type { RateCounters } from '../../store/types.ts';
import { matchesSecret } from '../../store/secret-hash.ts';
import {
  CLIENT_AUTH_FAILURES_PER_ADDRESS,
  CLIENT_AUTH_THROTTLED,
  CLIENT_AUTH_WINDOW_SECONDS,
} from '../refusals.ts';
import { CLIENT_AUTH_THROTTLED as CLIENT_AUTH_THROTTLED_DESCRIPTION } from '../errors/descriptions.ts';
import { addressKey } from '../address-key.ts';
import { ClientAuthLimit } from './client-auth-limit.ts';
import { purserOf } from './client-policy.ts';

/** Each provider's limit, so that another path to a token (src/server/fast-token/) honours the same refusals. */
const limits = new WeakMap<Provider, ClientAuthLimit>();

/** The limit installSecretComparison installed on `provider`. */
export function clientAuthLimitOf(provider: Provider): ClientAuthLimit | undefined {
  return limits.get(provider);
}

/** The counter key of wrong secrets from the address `ip` for `clientId`. */
export const clientAuthFailureKey = (ip: string, clientId: string): string => `client-auth-failures:${addressKey(ip)}:${clientId}`;

export function installSecretComparison(provider: Provider, counters: RateCounters): void {
  const limit = new ClientAuthLimit(counters, { limit: CLIENT_AUTH_FAILURES_PER_ADDRESS, windowSeconds: CLIENT_AUTH_WINDOW_SECONDS });
  limits.set(provider, limit);
  provider.Client.prototype.compareClientSecret = async function compareClientSecret(this: { clientId: string }, presented: string) {
    // oidc-provider does not pass its context to this method; it keeps the request's in async local storage.
    const ctx = Provider.ctx;
    const key = clientAuthFailureKey(ctx?.ip ?? '', this.clientId);
    if (limit.refused(key)) {
      ctx?.set('Retry-After', String(CLIENT_AUTH_WINDOW_SECONDS));
      const refused = new errors.InvalidClient(CLIENT_AUTH_THROTTLED_DESCRIPTION);
      refused.status = refused.statusCode = CLIENT_AUTH_THROTTLED;
      throw refused;
    }
    const matches = matchesSecret(purserOf(this)?.secrets ?? [], presented);
    if (!matches) await limit.failed(key);
    return matches;
  };
}
