// The refresh_token fast path (issue 16): the plain successful refresh answered in front of oidc-provider, by the
// library's own refresh_token grant handler (lib/actions/grants/refresh_token.js) called directly, so that the tokens,
// the stored payloads, the id_token and the body are the library's by construction. What it saves is the generic
// pipeline around that handler: oidc-provider's Koa app and router, its body parser and parameter assembly, its client
// authentication chain, and Purser's own middlewares there. In order, each step handing over on anything not plain:
//   the form         grant_type, refresh_token, client_id, client_secret, each once (no scope, resource, claims...)
//   the client       client_secret_basic or _post as registered (authenticate.ts), the grant type allowed, no binding
//   the read         the refresh token and its Grant, one store round trip (AdapterRequest.findRefreshToken)
//   the state        found, the client's, unexpired, unconsumed, unbound, its Grant stored
//   the handler      the library's; a refusal it meets before the rotation is written is handed over too
// A request handed over after the read keeps it: oidc-provider's find of the same token reuses it (refresh-rotation.ts
// adapterRequestFor), so a refresh costs the same two round trips on either path.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import als from 'oidc-provider/lib/helpers/als.js';
import Params from 'oidc-provider/lib/helpers/params.js';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';
import { getClientAuthParams } from 'oidc-provider/lib/shared/client_auth.js';
import getErrorHandler from 'oidc-provider/lib/shared/error_handler.js';

import { adapterRequests, type AdapterRequest } from '../../store/adapter-request.ts';
import type { Payload } from '../../store/types.ts';
import { StoreUnavailableError } from '../../store/unavailable.ts';
import { decideInRenderer } from '../provider/error-rendering.ts';
import { adapterRequestFor, handOut } from '../provider/refresh-rotation.ts';
import { authenticate, type AuthenticationDependencies, type Client } from './authenticate.ts';
import type { Form } from './form.ts';
import { setTokenRouteHeaders } from './respond.ts';

export const REFRESH_TOKEN = 'refresh_token';

/** The parameters a plain refresh carries; a form with any other (scope, resource, claims...) is left to oidc-provider. */
export const REFRESH_FORM = new Set(['grant_type', 'refresh_token', 'client_id', 'client_secret']);

type Handler = (ctx: Context) => Promise<void>;

/** The part of oidc-provider's request context (lib/helpers/oidc_context.js) its token route sets before the handler. */
interface OidcContext {
  route: string;
  params: Record<string, unknown>;
  entity(key: 'Client', value: Client): void;
}

interface Internals {
  grantTypeHandlers: Map<string, Handler>;
  grantTypeParams: Map<string | undefined, Set<string>>;
}

/** The adapter oidc-provider's RefreshToken model reads through (src/store/oidc-adapter.ts). */
interface RefreshTokenModel {
  adapter: { find(id: string): Promise<Payload | undefined> };
}

/** Whether the client may refresh here: the grant allowed, and no sender-constrained access tokens to bind. */
export function refreshesPlainly(client: Client): boolean {
  return client.grantTypeAllowed(REFRESH_TOKEN) && !client.dpopBoundAccessTokens && !client.tlsClientCertificateBoundAccessTokens;
}

/**
 * Whether the refresh token read (as the adapter restores it: a consumption within the reuse grace hidden) is one the
 * handler turns into tokens without refusing (lib/actions/grants/refresh_token.js, its checks before the rotation):
 * found, of this client, unexpired at `now` (epoch seconds), unconsumed, bound to no certificate, DPoP key or
 * attestation, its Grant read along with it and stored. A token this misjudges as plain is refused by the handler
 * before anything is written, and handed over all the same.
 */
export function plainState(token: Payload | undefined, clientId: string, request: AdapterRequest, now: number): boolean {
  if (!token || token.clientId !== clientId || typeof token.exp !== 'number' || token.exp <= now || token.consumed !== undefined) return false;
  if (token['x5t#S256'] !== undefined || token.jkt !== undefined || token.attestationJkt !== undefined) return false;
  return typeof token.grantId === 'string' && request.holdsGrant(token.grantId) && request.grants?.get(token.grantId) !== undefined;
}

/**
 * oidc-provider's parameters for a form (lib/actions/token.js: assembleTokenParams, then stripGrantIrrelevantParams):
 * every name the token route allows, then only the client authentication's and the refresh_token grant's kept. Both
 * lists are fixed once the provider is built, so they are worked out at the first request.
 */
function paramsFor(provider: Provider, internals: Internals): (form: Form) => Record<string, unknown> {
  let lists: { allowed: Set<string>; kept: Set<string> } | undefined;
  return (form) => {
    if (!lists) {
      const auth = getClientAuthParams({ oidc: { provider } });
      lists = { allowed: new Set([...internals.grantTypeParams.get(undefined)!, ...auth]), kept: new Set([...auth, ...internals.grantTypeParams.get(REFRESH_TOKEN)!]) };
    }
    const params = new Params(lists.allowed, form) as Record<string, unknown>;
    for (const key of Object.keys(params)) if (!lists.kept.has(key)) delete params[key];
    return params;
  };
}

export type RefreshAnswer = (ctx: Context, form: Form) => Promise<boolean>;

/**
 * The refresh step for `provider`: answers `ctx` and returns true (emitting `fastPathEvent` for tokens issued), or
 * returns false to hand it over; a store fault is thrown.
 */
export function refreshAnswerFor(provider: Provider, authentication: AuthenticationDependencies, fastPathEvent: string): RefreshAnswer | undefined {
  const internals = instance(provider) as unknown as Internals;
  const handler = internals.grantTypeHandlers.get(REFRESH_TOKEN);
  if (!handler) return undefined;
  const { adapter } = provider.RefreshToken as unknown as RefreshTokenModel;
  const paramsOf = paramsFor(provider, internals);
  // The token route's own error handler (lib/actions/token.js's route: 'grant.error'), for a refusal met once the
  // rotation went to the store: the request has an outcome and is answered here as oidc-provider answers it.
  const renderRefusal = getErrorHandler('grant.error');
  return async (ctx, form) => {
    const value = form.refresh_token;
    if (form.grant_type !== REFRESH_TOKEN || value === undefined) return false;
    const authenticated = await authenticate(ctx, form, authentication);
    if (!authenticated || authenticated.identity || !refreshesPlainly(authenticated.client)) return false;
    const { client } = authenticated;
    const request = adapterRequestFor(ctx.req);
    const token = await adapterRequests.run(request, () => adapter.find(value));
    if (!plainState(token, client.clientId, request, Math.floor(Date.now() / 1000))) return false;

    const oidc = new provider.OIDCContext(ctx as never) as unknown as OidcContext;
    Object.defineProperty(ctx, 'oidc', { configurable: true, value: oidc });
    oidc.route = 'token';
    oidc.params = paramsOf(form);
    oidc.entity('Client', client);
    setTokenRouteHeaders(ctx);
    try {
      await als.run(ctx, () => adapterRequests.run(request, () => handler(ctx)));
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      // Refused before anything was written (the account gone, a policy): oidc-provider answers it, from the same read.
      if (!request.committed) {
        request.discardHeld();
        delete (ctx as { oidc?: unknown }).oidc;
        return false;
      }
      ctx.accepts = decideInRenderer as Context['accepts'];
      await renderRefusal(ctx, () => Promise.reject(error));
      ctx.set('Pragma', 'no-cache');
      return true;
    }
    handOut(ctx, request.replaced);
    ctx.set('Pragma', 'no-cache');
    provider.emit('grant.success', ctx);
    provider.emit(fastPathEvent, ctx, REFRESH_TOKEN);
    return true;
  };
}
