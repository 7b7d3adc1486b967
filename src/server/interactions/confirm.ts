// POST confirm: the user pressed Allow.
import type { Provider } from 'oidc-provider';

import type { Step } from './deps.ts';
import { grantConsent } from './grant-consent.ts';

export function confirm(provider: Provider): Step {
  return async function confirm(ctx) {
    await grantConsent(provider, ctx);
  };
}
