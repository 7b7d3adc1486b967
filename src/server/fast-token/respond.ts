// Answers a token request the fast path issued for, with the bytes oidc-provider's token route would send: its CORS
// headers for a request without Origin (lib/shared/cors.js), Cache-Control: no-store (lib/shared/no_cache.js), the
// body of lib/helpers/grant_response.js, Pragma: no-cache (provider/no-cache.ts); then the events the model and the
// route emit: client_credentials.issued (a JWT) or .saved (stored, opaque), and grant.success.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';

import type { Client } from './authenticate.ts';
import type { Decision } from './decide.ts';
import type { Form } from './form.ts';
import type { Issued } from './issue.ts';

/** What oidc-provider's route exposes to CORS callers when DPoP nonces and client attestation are off. */
const EXPOSED_HEADERS = 'WWW-Authenticate';

/** The part of oidc-provider's request context that its event listeners and Purser's metrics read. */
export interface FastContext {
  route: 'token';
  params: Form;
  client: Client;
}

/**
 * The token event of lib/models/base_model.js save(), with the model instance a listener would get; built only when
 * someone listens (Purser itself does not).
 */
function emitTokenEvent(provider: Provider, client: Client, { audience, scope, format, ttl }: Decision, { jti, iat, extra }: Issued): void {
  const event = format === 'jwt' ? 'client_credentials.issued' : 'client_credentials.saved';
  if (provider.listenerCount(event) === 0) return;
  const token = new provider.ClientCredentials({ client, scope, jti, iat, exp: iat + ttl, extra } as never);
  token.resourceServer = new provider.ResourceServer(audience, { audience, scope, accessTokenTTL: ttl, accessTokenFormat: format } as never);
  provider.emit(event, token);
}

/** The headers oidc-provider's token route sets before it answers, success or error, in its order. */
export function setTokenRouteHeaders(ctx: Context): void {
  ctx.vary('Origin');
  ctx.set('Access-Control-Allow-Origin', '*');
  ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  // Spelled as lib/shared/no_cache.js spells it: the name's bytes are part of the answer compared.
  ctx.set('cache-control', 'no-store');
}

export function respond(ctx: Context, provider: Provider, form: Form, client: Client, decision: Decision, issued: Issued): void {
  setTokenRouteHeaders(ctx);
  ctx.body = { access_token: issued.value, expires_in: decision.ttl, scope: decision.scope, token_type: 'Bearer' };
  ctx.set('Pragma', 'no-cache');
  emitTokenEvent(provider, client, decision, issued);
  const oidc: FastContext = { route: 'token', params: form, client };
  Object.defineProperty(ctx, 'oidc', { configurable: true, value: oidc });
  provider.emit('grant.success', ctx);
}
