// Validation of an OAuthClient spec as a chain of pure checks; the first problem found is reported.
// The CRD schema refuses most of these at apply time; this chain is what dev mode and the controller rely on.
import { parseDuration } from './duration.ts';
import { InvalidSpec, type Problem } from './reasons.ts';
import { AUTH_METHODS, DEVICE_CODE_GRANT, GRANT_TYPES, TOKEN_EXCHANGE_GRANT, USER_GRANTS, clientIdOf, grantTypesOf, type OAuthClient, type OAuthClientSpec, type PublicJwk } from './types.ts';

type Check = (spec: OAuthClientSpec, client: OAuthClient) => string | undefined;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Whether a redirect URI uses a private-use scheme such as `com.example.app:/cb`: the mark of a native app. */
export function isPrivateUseUri(value: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  return scheme !== undefined && scheme !== 'http' && scheme !== 'https';
}

/** https, http on a loopback host, or a private-use scheme such as `com.example.app:/cb` (RFC 8252). */
export function redirectUriProblem(value: string): string | undefined {
  const url = parseUrl(value);
  if (!url) return `"${value}" is not an absolute URI`;
  if (url.hash) return `"${value}" must not contain a fragment`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return LOOPBACK_HOSTS.has(url.hostname) ? undefined : `"${value}" must use https (http is allowed only for localhost, 127.0.0.1 and [::1])`;
  }
  return url.protocol.slice(0, -1).includes('.') ? undefined : `"${value}" must use https, loopback http, or a private-use scheme with a dot such as com.example.app`;
}

/** Back-Channel Logout 1.0 §2.2: an absolute https URL (http on a loopback host), without a fragment. */
function backchannelLogoutUriProblem(value: string): string | undefined {
  const url = parseUrl(value);
  if (!url || !['https:', 'http:'].includes(url.protocol)) return `backchannelLogoutUri: "${value}" is not an absolute https URL`;
  if (url.hash || value.includes('#')) return `backchannelLogoutUri: "${value}" must not contain a fragment`;
  return url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname) ? `backchannelLogoutUri: "${value}" must use https (http is allowed only for localhost, 127.0.0.1 and [::1])` : undefined;
}

/** Most public keys a client may list inline (one in use, one next, one retiring, and room to spare). */
export const MAX_CLIENT_KEYS = 10;
/** Members that make a JWK private or symmetric (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** What is wrong with a key of `jwks`, or undefined for a public RSA, EC or OKP key. */
function clientKeyProblem(key: PublicJwk, index: number): string | undefined {
  if (typeof key !== 'object' || key === null || !['RSA', 'EC', 'OKP'].includes(key.kty)) return `jwks.keys[${index}]: kty must be RSA, EC or OKP`;
  return PRIVATE_JWK_MEMBERS.some((member) => member in key) ? 'jwks.keys: only public keys: remove the private and symmetric members (d, p, q, dp, dq, qi, k)' : undefined;
}

/** private_key_jwt: exactly one source of public keys, well-formed, and no secret. */
const privateKeyJwtChecks: Check[] = [
  (spec) => (spec.tokenEndpointAuthMethod === 'private_key_jwt' && !spec.jwks === !spec.jwksUri ? 'private_key_jwt needs the public keys of the client: set exactly one of jwks and jwksUri' : undefined),
  (spec) => ((spec.jwks || spec.jwksUri) && spec.tokenEndpointAuthMethod !== 'private_key_jwt' ? 'jwks and jwksUri are only used with tokenEndpointAuthMethod private_key_jwt' : undefined),
  (spec) => (spec.tokenEndpointAuthMethod === 'private_key_jwt' && (spec.secretName || spec.generateSecret !== undefined) ? 'a private_key_jwt client has no secret: remove secretName and generateSecret' : undefined),
  (spec) => (spec.jwksUri !== undefined && parseUrl(spec.jwksUri)?.protocol !== 'https:' ? `jwksUri: "${spec.jwksUri}" must be an https URL` : undefined),
  (spec) => (spec.jwks && (!Array.isArray(spec.jwks.keys) || spec.jwks.keys.length === 0 || spec.jwks.keys.length > MAX_CLIENT_KEYS) ? `jwks.keys: between 1 and ${MAX_CLIENT_KEYS} keys` : undefined),
  (spec) => spec.jwks?.keys.map(clientKeyProblem).find(Boolean),
];

/** A ServiceAccount name: a DNS-1123 subdomain. */
const SERVICE_ACCOUNT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** serviceAccounts: names of this namespace, each once; a public client has no credential to take their place. */
const serviceAccountChecks: Check[] = [
  (spec) => spec.serviceAccounts?.map((name) => (typeof name === 'string' && name.length <= 253 && SERVICE_ACCOUNT_NAME.test(name) ? undefined : `serviceAccounts: "${name}" is not a ServiceAccount name (a DNS subdomain; ServiceAccounts of other namespaces cannot be listed)`)).find(Boolean),
  (spec) => (spec.serviceAccounts && new Set(spec.serviceAccounts).size !== spec.serviceAccounts.length ? 'serviceAccounts: each ServiceAccount once' : undefined),
  (spec) => (spec.public && spec.serviceAccounts?.length ? 'a public client has no credential: remove serviceAccounts or public' : undefined),
];

const checks: Check[] = [
  (_spec, client) => (clientIdOf(client).includes(':') ? 'clientId must not contain ":" (it breaks client_secret_basic)' : undefined),
  (spec, client) => (spec.clientId === undefined && clientIdOf(client).length > 200 ? `the default client_id <name>.<namespace> is ${clientIdOf(client).length} characters, more than 200: set spec.clientId` : undefined),
  (_spec, client) => (/^[\x21-\x7E]{1,200}$/.test(clientIdOf(client)) ? undefined : 'clientId must be 1-200 printable ASCII characters without spaces'),
  (spec) => spec.grantTypes?.map((g) => (GRANT_TYPES.includes(g) ? undefined : `grantTypes: "${g}" is not one of ${GRANT_TYPES.join(', ')}`)).find(Boolean),
  (spec) => (spec.tokenEndpointAuthMethod && !AUTH_METHODS.includes(spec.tokenEndpointAuthMethod) ? `tokenEndpointAuthMethod must be one of ${AUTH_METHODS.join(', ')}` : undefined),
  (spec) => (grantTypesOf(spec).includes('authorization_code') && !spec.redirectUris?.length ? 'redirectUris: at least one is required with the authorization_code grant' : undefined),
  (spec) => (grantTypesOf(spec).includes('refresh_token') && !USER_GRANTS.some((g) => grantTypesOf(spec).includes(g)) ? `grantTypes: refresh_token needs authorization_code or ${DEVICE_CODE_GRANT} (refresh tokens come from a user's sign-in)` : undefined),
  (spec) => (spec.redirectUris?.length && !grantTypesOf(spec).includes('authorization_code') ? 'redirectUris are only used with the authorization_code grant; add it to grantTypes or remove them' : undefined),
  (spec) => [...(spec.redirectUris ?? []), ...(spec.postLogoutRedirectUris ?? [])].map(redirectUriProblem).find(Boolean),
  (spec) => {
    // RFC 8252 §7.3: a native app (private-use scheme) may not also claim https on a loopback host.
    const uris = [...(spec.redirectUris ?? []), ...(spec.postLogoutRedirectUris ?? [])];
    if (!uris.some(isPrivateUseUri)) return undefined;
    const loopbackHttps = uris.find((uri) => uri.startsWith('https:') && LOOPBACK_HOSTS.has(new URL(uri).hostname));
    return loopbackHttps && `"${loopbackHttps}": a native app (private-use scheme redirect) must use http, not https, on a loopback host`;
  },
  (spec) => (spec.backchannelLogoutUri === undefined ? undefined : backchannelLogoutUriProblem(spec.backchannelLogoutUri)),
  (spec) => (spec.public && grantTypesOf(spec).includes('client_credentials') ? 'a public client cannot use client_credentials (it has no secret)' : undefined),
  (spec) => (spec.public && grantTypesOf(spec).includes(TOKEN_EXCHANGE_GRANT) ? `a public client cannot use ${TOKEN_EXCHANGE_GRANT} (only a client that authenticates may act for a user)` : undefined),
  (spec) => (spec.public && spec.tokenEndpointAuthMethod && spec.tokenEndpointAuthMethod !== 'none' ? 'a public client authenticates with tokenEndpointAuthMethod none' : undefined),
  (spec) => (spec.public && (spec.secretName || spec.generateSecret !== undefined) ? 'a public client has no secret: remove secretName and generateSecret' : undefined),
  (spec) => (!spec.public && spec.tokenEndpointAuthMethod === 'none' ? 'tokenEndpointAuthMethod none is for public clients: set public: true' : undefined),
  (spec) => (spec.public && spec.requirePkce === false ? 'a public client must use PKCE: remove requirePkce: false' : undefined),
  ...privateKeyJwtChecks,
  ...serviceAccountChecks,
  (spec) => (spec.scopes?.includes('offline_access') && !grantTypesOf(spec).includes('refresh_token') ? 'scopes: offline_access needs the refresh_token grant in grantTypes' : undefined),
  (spec) => spec.scopes?.map((s) => (SCOPE_TOKEN.test(s) ? undefined : `scopes: "${s}" is not a valid scope token`)).find(Boolean),
  (spec) => spec.audiences?.map((a) => (parseUrl(a) ? undefined : `audiences: "${a}" is not an absolute URI`)).find(Boolean),
  (spec) => (spec.accessToken?.format !== undefined && !['jwt', 'opaque'].includes(spec.accessToken.format) ? 'accessToken.format must be jwt or opaque' : undefined),
  (spec) => (spec.accessToken?.format === 'jwt' && !spec.audiences?.length ? 'accessToken.format jwt needs at least one audience (the aud claim of the token)' : undefined),
  (spec) => spec.corsOrigins?.map((o) => (parseUrl(o)?.origin === o ? undefined : `corsOrigins: "${o}" is not an origin such as https://app.example.com`)).find(Boolean),
  (spec) =>
    (
      [
        ['accessToken.ttl', spec.accessToken?.ttl],
        ['refreshToken.ttl', spec.refreshToken?.ttl],
        ['refreshToken.absoluteLifetime', spec.refreshToken?.absoluteLifetime],
      ] as const
    )
      .map(([field, value]) => (value !== undefined && parseDuration(value) === undefined ? `${field}: "${value}" is not a duration such as 90s, 15m, 1h or 14d` : undefined))
      .find(Boolean),
  (spec) => (spec.secretRotation?.overlap !== undefined && secretOverlapOf(spec.secretRotation.overlap) === undefined ? `secretRotation.overlap: "${spec.secretRotation.overlap}" is not a duration such as 0s, 10m or 1h` : undefined),
  (spec) => (spec.deletionPolicy !== undefined && !['Delete', 'Orphan'].includes(spec.deletionPolicy) ? 'deletionPolicy must be Delete or Orphan' : undefined),
  (spec) => (spec.refreshToken?.reuseGracePeriod !== undefined && spec.refreshToken.reuseGracePeriod !== '0s' && parseDuration(spec.refreshToken.reuseGracePeriod) === undefined ? `refreshToken.reuseGracePeriod: "${spec.refreshToken.reuseGracePeriod}" is not a duration such as 0s or 30s` : undefined),
];

/** Seconds in a secretRotation.overlap (`0s` allowed), or `undefined` when it is not a duration. */
export function secretOverlapOf(text: string): number | undefined {
  return text === '0s' ? 0 : parseDuration(text);
}

/** The first problem with the resource's spec, or `undefined` when it can be served. */
export function validateOAuthClient(client: OAuthClient): Problem | undefined {
  const spec = client.spec ?? {};
  for (const check of checks) {
    const message = check(spec, client);
    if (message) return { reason: InvalidSpec, message };
  }
  return undefined;
}
