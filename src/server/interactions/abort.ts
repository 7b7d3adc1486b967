// POST abort: the user pressed Cancel or Deny; the client gets access_denied at its redirect_uri.
import type { Provider } from 'oidc-provider';

import type { Step } from './deps.ts';

export function abort(provider: Provider): Step {
  return async function abort(ctx) {
    await provider.interactionFinished(
      ctx.req,
      ctx.res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false },
    );
  };
}
