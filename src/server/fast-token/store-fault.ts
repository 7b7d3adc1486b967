// A store fault met on the fast path (Redis full, stalled or gone: StoreUnavailableError while looking a client up or
// saving an opaque token), answered as oidc-provider's token route answers it: the route's CORS and no-store headers,
// then the errors module's rendering of the same error (503 temporarily_unavailable, the fault's description). Handed
// over instead, the request would have oidc-provider wait for the store again: a second PURSER_REDIS_TIMEOUT.
import type { Context } from 'koa';

import type { StoreUnavailableError } from '../../store/unavailable.ts';
import { renderError } from '../errors/render.ts';
import { setTokenRouteHeaders } from './respond.ts';

export async function answerStoreFault(ctx: Context, error: StoreUnavailableError): Promise<void> {
  setTokenRouteHeaders(ctx);
  // What the renderer and the metrics read of oidc-provider's request context: the route (metrics label it token).
  // With it, the renderer reads the error as one of oidc-provider's own (an exposed 503), as on oidc-provider's path;
  // without it, any error but Purser's would be a 500.
  Object.defineProperty(ctx, 'oidc', { configurable: true, value: { route: 'token' } });
  await renderError(ctx, error);
}
