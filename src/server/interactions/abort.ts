// POST abort: the user pressed Cancel or Deny; the client gets access_denied at its redirect_uri.
import type { Provider } from 'oidc-provider';

import { ACCESS_DENIED } from '../errors/codes.ts';
import { SIGN_IN_ABORTED } from '../errors/descriptions.ts';
import type { Step } from './deps.ts';

export function abort(provider: Provider): Step {
  return async function abort(ctx) {
    await provider.interactionFinished(
      ctx.req,
      ctx.res,
      { error: ACCESS_DENIED, error_description: SIGN_IN_ABORTED },
      { mergeWithLastSubmission: false },
    );
  };
}
