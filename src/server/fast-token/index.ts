// The client_credentials fast path (issue 16): a Koa middleware in front of oidc-provider that answers the common
// successful token request itself, with the same tokens, headers and body, and hands every other request to
// oidc-provider unchanged (so every refusal still comes from the library, word for word). It saves the generic
// pipeline's work: oidc-provider's Koa app and router, parameter assembly, the client authentication chain, the grant
// handler and the token model. The steps, in order, each returning `undefined` to hand over:
//   eligible.ts      POST /token with a form of known length, no DPoP, Origin or attestation header
//   form.ts          the form, each known parameter once
//   authenticate.ts  client_secret_basic, client_secret_post or a ServiceAccount token, as the client is registered
//   decide.ts        grant type, scopes, audience and OAuthAPI admission, as Purser's hooks decide them
//   issue.ts         the JWT signed, or the opaque token saved (one Redis round trip)
//   respond.ts       the response, and the events the model and the route emit (grant.success)
// A plain refresh_token request takes refresh.ts instead: the same form and client authentication steps, then
// oidc-provider's own refresh_token handler, called without the library's pipeline around it.
// A store fault on the way (Redis full, stalled, gone) is answered here too (store-fault.ts), as oidc-provider would.
// Figures (CPU per token before and after, against bare oidc-provider): bench/README.md, issue 16.
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';

import type { ApiLookup } from '../provider/api-admission.ts';
import type { ClientLike } from '../provider/client-policy.ts';
import { clientAuthLimitOf } from '../provider/client-secret.ts';
import { StoreUnavailableError } from '../../store/unavailable.ts';
import { serviceAccountCheckOf } from '../workload/authenticate.ts';
import { authenticate } from './authenticate.ts';
import { decide } from './decide.ts';
import { eligibleRequest } from './eligible.ts';
import { CLIENT_CREDENTIALS_FORM, handBack, parseForm, readBody } from './form.ts';
import { issuerFor } from './issue.ts';
import { REFRESH_FORM, refreshAnswerFor } from './refresh.ts';
import { respond } from './respond.ts';
import { answerStoreFault } from './store-fault.ts';

/** The provider event of each token the fast path issued, with its grant type (Metrics counts it: purser_token_fast_path_total). */
export const FAST_PATH_EVENT = 'purser.token_fast_path';

export interface FastPathDependencies {
  /** With PURSER_TENANCY=enforced, the API catalog lookup; `undefined` for open tenancy. */
  apis: ApiLookup | undefined;
  /** The client's access-token lifetime without an OAuthAPI's, in seconds (ttl.ts). */
  accessTokenTtl: (client: ClientLike) => number;
}

/** The literals a client_credentials or refresh_token form carries, unless it percent-encodes its name or value. */
const CLIENT_CREDENTIALS = 'grant_type=client_credentials';
const REFRESH = 'grant_type=refresh_token';

const paths = new WeakMap<Provider, Middleware>();

/** The fast path installFastTokenPath built for `provider`, if any (PURSER_TOKEN_FAST_PATH). */
export function fastTokenPathOf(provider: Provider): Middleware | undefined {
  return paths.get(provider);
}

/** Builds the fast path for `provider`, once its patches are installed (the secret limit, the ServiceAccount check). */
export function installFastTokenPath(provider: Provider, { apis, accessTokenTtl }: FastPathDependencies): void {
  const limit = clientAuthLimitOf(provider);
  const checkServiceAccount = serviceAccountCheckOf(provider);
  const issue = issuerFor(provider);
  const refresh = limit && checkServiceAccount && refreshAnswerFor(provider, { provider, limit, checkServiceAccount }, FAST_PATH_EVENT);
  if (!limit || !checkServiceAccount || !issue || !refresh) return;
  /** Answers `ctx` from the form `text` when it is a plain success; `false` hands it over; a store fault is thrown. */
  const answered = async (ctx: Context, text: string): Promise<boolean> => {
    if (text.includes(REFRESH)) {
      const form = parseForm(text, REFRESH_FORM);
      return form !== undefined && (await refresh(ctx, form));
    }
    // Other grants (authorization_code, device_code) are handed over before their form is parsed a first time. A
    // percent-encoded `grant_type=client%5Fcredentials` is handed over too: oidc-provider answers it the same.
    if (!text.includes(CLIENT_CREDENTIALS)) return false;
    const form = parseForm(text, CLIENT_CREDENTIALS_FORM);
    if (form?.grant_type !== 'client_credentials') return false;
    const authenticated = await authenticate(ctx, form, { provider, limit, checkServiceAccount });
    const decision = authenticated && (await decide(authenticated.client, authenticated.identity, form, { apis, accessTokenTtl }));
    if (!decision) return false;
    const issued = await issue(authenticated.client.clientId, authenticated.identity, decision);
    respond(ctx, provider, form, authenticated.client, decision, issued);
    provider.emit(FAST_PATH_EVENT, ctx, 'client_credentials');
    return true;
  };
  paths.set(provider, async (ctx, next) => {
    const body = eligibleRequest(ctx);
    if (!body) return next();
    let text: string;
    try {
      text = await readBody(ctx.req, body);
    } catch (error) {
      handBack(ctx.req, error as Error);
      return next();
    }
    try {
      if (await answered(ctx, text)) return;
    } catch (error) {
      // A store that cannot serve now is answered here (store-fault.ts): handed over, the request would wait for it
      // a second time. Any other fault on the way is met again by oidc-provider, which answers it as it always does.
      if (error instanceof StoreUnavailableError) return answerStoreFault(ctx, error);
    }
    handBack(ctx.req, text);
    return next();
  });
}
