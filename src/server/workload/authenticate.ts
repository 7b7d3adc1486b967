// RFC 7523 §2.2 client authentication with a ServiceAccount token (DESIGN.md, "Workloads as clients"). oidc-provider
// takes a client assertion's `sub` as the client_id, which a ServiceAccount token's `sub`
// (system:serviceaccount:<namespace>:<name>) never is, so Purser takes such an assertion out of the request before
// oidc-provider reads it, verifies it when oidc-provider looks the client up, and lets the request through as that
// client authenticated. Three patches, installed from src/patches.ts:
// 1. OIDCContext `body`: a form whose client_assertion is a ServiceAccount token loses client_assertion and
//    client_assertion_type (kept aside), so oidc-provider sees client_id alone;
// 2. Client.find: the client the request names is looked up, then the kept token verified against it
//    (verify-token.ts); a refusal is invalid_client with its description;
// 3. Client.prototype.clientAuthMethod: `none` for that client in that request only, so oidc-provider's own check of
//    the method passes. Everywhere else, and for every other request, the client's registered method stands (a
//    client of ServiceAccounts alone is client_secret_basic without a secret: nothing else authenticates it).
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

import { describe, SA_NEEDS_CLIENT_ID } from '../errors/descriptions.ts';
import { InvalidClient } from '../errors/purser-error.ts';
import { policyOf, purserOf } from '../provider/client-policy.ts';
import type { IssuerKeys } from './issuer-keys.ts';
import { serviceAccountTokenOf, SignatureCache, verifyServiceAccountToken, type ParsedToken, type ServiceAccountIdentity, type Verification } from './verify-token.ts';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The access-token claim (JWT, and introspection of opaque tokens) naming the ServiceAccount the client acted as. */
export const SERVICE_ACCOUNT_CLAIM = 'service_account';

export interface WorkloadAuthentication {
  keys: IssuerKeys;
  /** What a token's `aud` must contain. */
  audience: string;
  /** Epoch milliseconds. */
  now?: () => number;
}

type Form = Record<string, unknown>;

/** ServiceAccount tokens taken out of a request's form (raw and parsed), by its OIDCContext, until the client is looked up. */
const presented = new WeakMap<object, { token: string; parsed: ParsedToken }>();
/** Requests a ServiceAccount token authenticated: the client_id and the ServiceAccount, by OIDCContext. */
const authenticated = new WeakMap<object, { clientId: string; identity: ServiceAccountIdentity }>();

/** The ServiceAccount a request authenticated with, if it did. */
export function workloadIdentityOf(ctx: KoaContextWithOIDC | undefined): ServiceAccountIdentity | undefined {
  return ctx?.oidc ? authenticated.get(ctx.oidc)?.identity : undefined;
}

/** Patch 1: OIDCContext `body` keeps a form's ServiceAccount token aside. */
export function installAssertionIntake(provider: Provider): void {
  // The body is kept on the instance under a symbol: a WeakMap entry per request costs more (ephemerons for the GC).
  const BODY = Symbol('purser.body');
  Object.defineProperty(provider.OIDCContext.prototype, 'body', {
    configurable: true,
    get(this: { [BODY]?: unknown }) {
      return this[BODY];
    },
    set(this: { [BODY]?: unknown }, value: unknown) {
      const form = (value && typeof value === 'object' ? value : {}) as Form;
      const parsed = form.client_assertion_type === JWT_BEARER_ASSERTION ? serviceAccountTokenOf(form.client_assertion) : undefined;
      if (parsed) {
        presented.set(this, { token: form.client_assertion as string, parsed });
        // Without client_id the token stays, and oidc-provider looks its sub up as the client: refused in find.
        if (typeof form.client_id === 'string') {
          const { client_assertion: _assertion, client_assertion_type: _type, ...rest } = form;
          value = rest;
        }
      }
      this[BODY] = value;
    },
  });
}

/** Checks a presented ServiceAccount token (raw and parsed) against the client it should authenticate. */
export interface ServiceAccountCheck {
  (client: object, token: string, parsed: ParsedToken): Promise<Verification>;
  /** serviceAccountTokenOf(token), from the signature cache when the token verified before (the common case). */
  parse(token: string): ParsedToken | undefined;
}

/** Each provider's check, so that another path to a token (src/server/fast-token/) shares its signature cache. */
const checks = new WeakMap<Provider, ServiceAccountCheck>();

/** The check installAssertionCheck installed on `provider`. */
export function serviceAccountCheckOf(provider: Provider): ServiceAccountCheck | undefined {
  return checks.get(provider);
}

/** The token's issuer keys (read again when it names one not held), then verifyServiceAccountToken for `client`. */
function serviceAccountCheck({ keys, audience, now = Date.now }: WorkloadAuthentication): ServiceAccountCheck {
  const signatures = new SignatureCache();
  const check = async (client: object, token: string, parsed: ParsedToken) => {
    const { claims, header } = parsed;
    const issuerKeys = await keys.forToken(String(claims.iss), typeof header.kid === 'string' ? header.kid : undefined);
    const namespace = purserOf(client)?.owner.split('/')[0] ?? '';
    return verifyServiceAccountToken(token, issuerKeys, { namespace, serviceAccounts: policyOf(client).serviceAccounts ?? [] }, { audience, now: now() / 1000, signatures }, parsed);
  };
  return Object.assign(check, { parse: (token: string) => signatures.parsed(token) ?? serviceAccountTokenOf(token) });
}

/** Patch 2: Client.find verifies the kept token against the client it finds. */
export function installAssertionCheck(provider: Provider, workload: WorkloadAuthentication): void {
  const check = serviceAccountCheck(workload);
  checks.set(provider, check);
  const Client = provider.Client as unknown as { find(id: string): Promise<InstanceType<Provider['Client']> | undefined> };
  const find = Client.find.bind(Client);
  Client.find = async (id: string) => {
    const oidc = (Provider.ctx as KoaContextWithOIDC | undefined)?.oidc;
    const kept = oidc && presented.get(oidc);
    if (!kept) return find(id);
    presented.delete(oidc);
    if (id.startsWith('system:serviceaccount:')) throw new InvalidClient(describe(SA_NEEDS_CLIENT_ID));
    const client = await find(id);
    if (!client) return client;
    const result = await check(client, kept.token, kept.parsed);
    if ('refused' in result) throw new InvalidClient(result.refused);
    authenticated.set(oidc, { clientId: client.clientId, identity: result.identity });
    return client;
  };
}

/** Patch 3: Client.prototype.clientAuthMethod is `none` for the client a ServiceAccount token authenticated. */
export function installAssertionMethod(provider: Provider): void {
  const { prototype } = provider.Client;
  const registered = Object.getOwnPropertyDescriptor(prototype, 'clientAuthMethod')!.get!;
  Object.defineProperty(prototype, 'clientAuthMethod', {
    configurable: true,
    get(this: { clientId: string }) {
      const oidc = (Provider.ctx as KoaContextWithOIDC | undefined)?.oidc;
      return oidc && authenticated.get(oidc)?.clientId === this.clientId ? 'none' : registered.call(this);
    },
  });
}
