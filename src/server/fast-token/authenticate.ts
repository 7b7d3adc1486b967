// Client authentication on the fast path, for the three methods a machine client uses: client_secret_basic,
// client_secret_post (each only for a client registered with it, OpenID Connect Core §9) and a ServiceAccount token as
// an RFC 7523 §2.2 client assertion. Only success is decided here: a wrong secret, an unknown client, a refused
// assertion, a second mechanism, anything oidc-provider would parse differently is left to it, so that every refusal
// (and the count of wrong secrets, client-auth-limit.ts) comes from the one place that always made it.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';

import { matchesSecret } from '../../store/secret-hash.ts';
import type { ClientAuthLimit } from '../provider/client-auth-limit.ts';
import { clientAuthFailureKey } from '../provider/client-secret.ts';
import { purserOf } from '../provider/client-policy.ts';
import { JWT_BEARER_ASSERTION, type ServiceAccountCheck } from '../workload/authenticate.ts';
import type { ServiceAccountIdentity } from '../workload/verify-token.ts';
import type { Form } from './form.ts';

export type Client = InstanceType<Provider['Client']>;

/** An authenticated client, and the ServiceAccount whose token authenticated it, if one did. */
export interface Authenticated {
  client: Client;
  identity?: ServiceAccountIdentity;
}

/** The visible-ASCII values oidc-provider accepts in a Basic header (lib/consts/client_attributes.js noVSCHAR). */
const VSCHAR = /^[\x20-\x7E]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** RFC 6749 §2.3.1: client_id and secret, form-urlencoded, then Base64; `undefined` unless both decode cleanly. */
function basicCredentials(header: string): { clientId: string; secret: string } | undefined {
  if (!header.startsWith('Basic ')) return undefined;
  const encoded = header.slice(6);
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  try {
    const clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, '%20'));
    const secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, '%20'));
    return VSCHAR.test(clientId) && VSCHAR.test(secret) ? { clientId, secret } : undefined;
  } catch {
    return undefined;
  }
}

export type Presented =
  | { clientId: string; method: 'client_secret_basic' | 'client_secret_post'; secret: string }
  | { clientId: string; method: 'service_account'; token: string };

/** The one client authentication the request carries, as oidc-provider reads it; `undefined` for none, several, or odd ones. */
export function presentedCredentials(authorization: string | undefined, form: Form): Presented | undefined {
  const { client_id: clientId, client_secret: secret, client_assertion: token, client_assertion_type: type } = form;
  if (authorization !== undefined) {
    if (secret !== undefined || token !== undefined || type !== undefined) return undefined;
    const basic = basicCredentials(authorization);
    return basic && (clientId === undefined || clientId === basic.clientId) ? { ...basic, method: 'client_secret_basic' } : undefined;
  }
  if (clientId === undefined) return undefined;
  if (secret !== undefined) return token === undefined && type === undefined ? { clientId, secret, method: 'client_secret_post' } : undefined;
  return token !== undefined && type === JWT_BEARER_ASSERTION ? { clientId, token, method: 'service_account' } : undefined;
}

export interface AuthenticationDependencies {
  provider: Provider;
  /** The wrong-secret limit oidc-provider's path enforces (client-secret.ts): a refused address is left to it. */
  limit: ClientAuthLimit;
  checkServiceAccount: ServiceAccountCheck;
}

/** The client the request authenticates, when it does so in one of the plain ways; `undefined` otherwise. */
export async function authenticate(ctx: Context, form: Form, { provider, limit, checkServiceAccount }: AuthenticationDependencies): Promise<Authenticated | undefined> {
  const credentials = presentedCredentials(ctx.req.headers.authorization, form);
  if (!credentials) return undefined;
  const client = await (provider.Client as unknown as { find(id: string): Promise<Client | undefined> }).find(credentials.clientId);
  if (!client || client.clientSecretExpiresAt) return undefined;
  if (credentials.method === 'service_account') {
    const parsed = checkServiceAccount.parse(credentials.token);
    if (!parsed) return undefined;
    const result = await checkServiceAccount(client, credentials.token, parsed);
    return 'identity' in result ? { client, identity: result.identity } : undefined;
  }
  if (client.clientAuthMethod !== credentials.method) return undefined;
  // A refused address is answered 429 by oidc-provider's path, the right secret included.
  if (limit.refused(clientAuthFailureKey(ctx.ip, client.clientId))) return undefined;
  return matchesSecret(purserOf(client)?.secrets ?? [], credentials.secret) ? { client } : undefined;
}
