// One refresh token family is one chain (RFC 9700 §4.14.2), reuse grace or not, and a refresh costs two store round
// trips. oidc-provider spends the presented token, saves a new successor, then saves the access token, each on its
// own; here those writes wait in the request's AdapterRequest (adapter-request.ts) until the access token is saved,
// then go to the store as one atomic ArtifactStore.rotate: consumption, successor and access token together, or
// nothing (a full store refuses it whole, so the presented token stays usable for the retry a 503 asks for; a stalled
// one that runs it after the 503 keeps its successor for that retry, redis/artifacts.ts KEEP_FOR_RETRY). Within a
// reuse grace window the first presentation's successor is the only one stored, and every other presentation (another
// replica, a retry after a replica died, a parallel burst from a cookie-session proxy) is handed that same successor.
import type { IncomingMessage } from 'node:http';

import type { Provider } from 'oidc-provider';

import { AdapterRequest, adapterRequests } from '../../store/adapter-request.ts';

interface RefreshTokenInstance {
  jti?: string;
  consume(): Promise<void>;
}

interface AccessTokenInstance {
  adapter: { commit(): Promise<void> };
  save(): Promise<string | undefined>;
}

/**
 * The AdapterRequest the token fast path read a refresh token in, for a request it handed over: oidc-provider's own
 * find of that token then reuses the read (no second round trip; fast-token/refresh.ts).
 */
const handedOver = new WeakMap<IncomingMessage, AdapterRequest>();

/** The AdapterRequest for `req`: the one a request handed over to oidc-provider read in, if any, else a new one. */
export function adapterRequestFor(req: IncomingMessage): AdapterRequest {
  let request = handedOver.get(req);
  if (!request) handedOver.set(req, (request = new AdapterRequest()));
  return request;
}

/** Hands out an earlier presentation's successor instead of the one oidc-provider minted (reuse grace). */
export function handOut(ctx: { body: unknown }, replaced: AdapterRequest['replaced']): void {
  const body = ctx.body as { refresh_token?: unknown } | undefined;
  if (replaced && body?.refresh_token === replaced.minted) body.refresh_token = replaced.linked;
}

export function installRefreshRotation(provider: Provider): void {
  provider.use(async (ctx, next) => {
    const request = handedOver.get(ctx.req) ?? new AdapterRequest();
    await adapterRequests.run(request, next);
    handOut(ctx, request.replaced);
  });

  const refreshToken = provider.RefreshToken.prototype as unknown as RefreshTokenInstance;
  const { consume } = refreshToken;
  refreshToken.consume = async function consumeWithRotation(this: RefreshTokenInstance) {
    // The adapter holds the consumption back until the rotation is written (AccessToken.prototype.save below).
    const request = adapterRequests.getStore();
    if (request) request.spent = this.jti;
    await consume.call(this);
  };

  const accessToken = provider.AccessToken.prototype as unknown as AccessTokenInstance;
  const { save } = accessToken;
  accessToken.save = async function saveWithRotation(this: AccessTokenInstance) {
    const value = await save.call(this);
    // The refresh_token grant saves its access token last: the rotation it buys is stored with it, or not at all.
    await this.adapter.commit();
    return value;
  };
}
