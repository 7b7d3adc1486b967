// Client authentication against the hashed secrets of the client's record, in constant time.
import type { Provider } from 'oidc-provider';

import { matchesSecret } from '../../store/secret-hash.ts';
import { purserOf } from './client-policy.ts';

export function installSecretComparison(provider: Provider): void {
  provider.Client.prototype.compareClientSecret = function compareClientSecret(this: object, presented: string) {
    return Promise.resolve(matchesSecret(purserOf(this)?.secrets ?? [], presented));
  };
}
