// Loads the interaction the browser's cookie names, insists the URL names the same one, and finds its client.
import { errors, type Provider } from 'oidc-provider';

import type { Step } from './deps.ts';

export function loadDetails(provider: Provider): Step {
  return async function loadDetails(ctx, next) {
    // Throws SessionNotFound when the cookie is missing or the interaction expired; render-failures explains.
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    // The CSRF token is checked against the URL's uid, so acting on another interaction would bypass it.
    if (details.uid !== ctx.params.uid) throw new errors.SessionNotFound('interaction cookie names another interaction');
    const clientId = typeof details.params.client_id === 'string' ? details.params.client_id : '';
    const client = clientId ? await provider.Client.find(clientId) : undefined;
    ctx.state.interaction = { details, client, clientName: client?.clientName ?? clientId };
    await next();
  };
}
