// The OAuthClient resource (purser.dev/v1alpha1) as TypeScript sees it; the README's examples show each field.

export const API_GROUP = 'purser.dev';
export const API_VERSION = 'v1alpha1';
export const KIND = 'OAuthClient';
export const PLURAL = 'oauthclients';

/** RFC 8693 §2.1: the grant_type of a token exchange. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** RFC 8628 §3.4: the device authorization grant, for CLIs and other devices without a browser. */
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export const GRANT_TYPES = ['authorization_code', 'client_credentials', 'refresh_token', TOKEN_EXCHANGE_GRANT, DEVICE_CODE_GRANT] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/**
 * client_secret_jwt is not offered: verifying its HMAC needs the plain client secret, and Purser keeps only hashes
 * (a dump of Redis must not hand anyone a credential). private_key_jwt (RFC 7523) needs only public keys.
 */
export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** A public JSON Web Key (RFC 7517) a private_key_jwt client signs its assertions with the private half of. */
export interface PublicJwk {
  kty: string;
  [member: string]: unknown;
}

/** Scopes of OpenID Connect itself; every other scope names access to one of the client's audiences. */
export const OIDC_SCOPES: readonly string[] = ['openid', 'offline_access', 'profile', 'email', 'groups'];

export interface OAuthClientSpec {
  clientId?: string;
  displayName?: string;
  public?: boolean;
  grantTypes?: GrantType[];
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  scopes?: string[];
  audiences?: string[];
  accessToken?: { format?: 'jwt' | 'opaque'; ttl?: string };
  refreshToken?: { ttl?: string; absoluteLifetime?: string; reuseGracePeriod?: string };
  requirePkce?: boolean;
  skipConsent?: boolean;
  secretName?: string;
  generateSecret?: boolean;
  tokenEndpointAuthMethod?: AuthMethod;
  /** private_key_jwt: the client's public keys, inline. */
  jwks?: { keys: PublicJwk[] };
  /** private_key_jwt: where the client publishes its public keys (https). */
  jwksUri?: string;
  corsOrigins?: string[];
  /** OpenID Connect Back-Channel Logout 1.0 §2.2: where Purser POSTs a logout token when a session of this client ends. */
  backchannelLogoutUri?: string;
  /** Back-Channel Logout 1.0 §2.2: the client needs `sid` in logout tokens (Purser always sends it). */
  backchannelLogoutSessionRequired?: boolean;
  /** What logout ends besides the session (README "Logout"). */
  logout?: { revokeOfflineAccess?: boolean };
  /** Delete (default): deleting the resource revokes the client; Orphan: the client and its tokens keep working. */
  deletionPolicy?: 'Delete' | 'Orphan';
  secretRotation?: { overlap?: string };
  /**
   * ServiceAccounts of this namespace whose projected token (audience: Purser's issuer) authenticates as this client,
   * an RFC 7523 client assertion (DESIGN.md, "Workloads as clients").
   */
  serviceAccounts?: string[];
}

/** A status condition, as metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  /** RFC 3339; changes only when `status` does. */
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** What the audience's OAuthAPI admits for this client (status.audiences), so that its owner sees what is missing. */
export interface AudienceStatus {
  audience: string;
  /** `namespace/name` of the OAuthAPI that holds the audience; absent when none declares it. */
  oauthAPI?: string;
  userDelegated?: string[];
  clientCredentials?: string[];
  /** API scopes the client lists that the OAuthAPI does not admit in any flow the client uses. */
  notAdmitted?: string[];
}

export interface OAuthClientStatus {
  clientId?: string;
  /** The grant types in effect (`grantTypesOf`), for `kubectl get`. */
  grantTypes?: GrantType[];
  secretName?: string;
  issuer?: string;
  observedGeneration?: number;
  /** RFC 3339: while the previous client secret still works after a rotation, when it stops. */
  previousSecretExpiresAt?: string;
  /** Per audience of the spec, what its OAuthAPI admits (see the AudiencesAdmitted condition). */
  audiences?: AudienceStatus[];
  conditions?: Condition[];
}

export interface OAuthClient {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; uid?: string };
  spec: OAuthClientSpec;
  status?: OAuthClientStatus;
}

/** `<name>.<namespace>` unless the spec names one; never contains `:` (it breaks client_secret_basic). */
export function clientIdOf(client: OAuthClient): string {
  return client.spec.clientId ?? `${client.metadata.name}.${client.metadata.namespace ?? 'default'}`;
}

/** The Secret the controller creates for a confidential client that names none. */
export const defaultSecretNameOf = (client: OAuthClient): string => `${client.metadata.name}-oauth-client`;

export function secretNameOf(client: OAuthClient): string {
  return client.spec.secretName ?? defaultSecretNameOf(client);
}

/** Grant types in effect: the spec's, or authorization_code when redirect URIs are given, else client_credentials. */
export function grantTypesOf(spec: OAuthClientSpec): GrantType[] {
  if (spec.grantTypes?.length) return spec.grantTypes;
  return spec.redirectUris?.length ? ['authorization_code'] : ['client_credentials'];
}

/** Grants through which a user signs in, and so after which refresh tokens can be issued. */
export const USER_GRANTS: readonly GrantType[] = ['authorization_code', DEVICE_CODE_GRANT];

/**
 * Whether the client authenticates with a client secret (and so has a Secret): not public, not private_key_jwt, and
 * not a client of ServiceAccounts alone, unless it also asks for a secret (a secret method, secretName or
 * generateSecret: true).
 */
export function hasSecret(spec: OAuthClientSpec): boolean {
  if (spec.public || spec.tokenEndpointAuthMethod === 'private_key_jwt') return false;
  if (!spec.serviceAccounts?.length) return true;
  return spec.tokenEndpointAuthMethod !== undefined || spec.secretName !== undefined || spec.generateSecret === true;
}

/** The `sub` of a ServiceAccount's token: `system:serviceaccount:<namespace>:<name>`. */
export const serviceAccountSubject = (namespace: string, name: string): string => `system:serviceaccount:${namespace}:${name}`;

/** The ServiceAccount a `sub` names (`system:serviceaccount:<namespace>:<name>`), else `undefined`. */
export function serviceAccountOfSubject(sub: string): { namespace: string; name: string } | undefined {
  const [, namespace, name] = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(sub) ?? [];
  return namespace && name ? { namespace, name } : undefined;
}
