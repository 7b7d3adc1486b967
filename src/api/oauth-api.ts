// The OAuthAPI resource (purser.dev/v1alpha1) as TypeScript sees it: an API team's declaration of its audience,
// the scopes it defines, and which clients may get which of them (DESIGN.md, "Who may get which token").
import type { Condition } from './types.ts';

export const API_KIND = 'OAuthAPI';
export const API_PLURAL = 'oauthapis';

/** User-delegated: a user signs in (authorization_code, and the refresh tokens and device codes that follow). */
export const FLOWS = ['userDelegated', 'clientCredentials'] as const;
export type Flow = (typeof FLOWS)[number];

/** A Kubernetes label selector (metav1.LabelSelector); `{}` selects every namespace. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** An OAuthClient by namespace and name (not by client_id, which a tenant may choose). */
export interface ClientReference {
  namespace: string;
  name: string;
}

/** One rule of `spec.access`: the clients it selects may get `scopes` in the `flows` it names. */
export interface AccessRule {
  /** Clients in every namespace these labels select. */
  namespaceSelector?: LabelSelector;
  /** Clients named one by one; a client matches the rule when either this list or namespaceSelector selects it. */
  clients?: ClientReference[];
  /**
   * ServiceAccounts by namespace and name: a client that authenticates with one of their tokens (its OAuthClient's
   * serviceAccounts) matches, whichever OAuthClient it authenticates as.
   */
  serviceAccounts?: ClientReference[];
  scopes: string[];
  flows: Flow[];
}

/**
 * One entry of `spec.delegation` (RFC 8693 token exchange): the clients it selects may exchange a user's access token
 * they received for a token for this API, on behalf of that user, carrying at most `scopes`; or, when the entry lists
 * subjectServiceAccounts, the ServiceAccount tokens of those ServiceAccounts (and no user's token).
 */
export interface DelegationRule {
  /** Clients in every namespace these labels select. */
  namespaceSelector?: LabelSelector;
  /** Clients named one by one; a client matches when either this list or namespaceSelector selects it. */
  clients?: ClientReference[];
  /**
   * ServiceAccounts whose tokens the selected clients may exchange (subject_token_type jwt): the new token acts for
   * the ServiceAccount. An entry with this list delegates those ServiceAccounts only, never users' tokens.
   */
  subjectServiceAccounts?: ClientReference[];
  scopes: string[];
}

export interface OAuthAPISpec {
  /** The resource indicator (RFC 8707) and `aud` of tokens for this API; unique across the cluster. */
  audience: string;
  displayName?: string;
  scopes?: { name: string; description?: string }[];
  accessToken?: { format?: 'jwt' | 'opaque'; ttl?: string };
  access?: AccessRule[];
  /** Clients that may introspect this API's tokens (RFC 7662). */
  resourceServers?: ClientReference[];
  /** Clients that may exchange a user's token for a token for this API (RFC 8693), and for which scopes. */
  delegation?: DelegationRule[];
}

/** A client the API admits, as its status lists it. */
export interface AdmittedClient extends ClientReference {
  clientId: string;
  userDelegated?: string[];
  clientCredentials?: string[];
  /** Scopes the client may obtain by token exchange (spec.delegation). */
  delegated?: string[];
  /** ServiceAccounts whose tokens the client may exchange, with the scopes for each (subjectServiceAccounts). */
  delegatedServiceAccounts?: Array<ClientReference & { scopes: string[] }>;
}

export interface OAuthAPIStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  admittedClients?: AdmittedClient[];
  /** The length of admittedClients, for the ADMITTED column of `kubectl get oapi`. */
  admittedClientCount?: number;
}

export interface OAuthAPI {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number; uid?: string; creationTimestamp?: string };
  spec: OAuthAPISpec;
  status?: OAuthAPIStatus;
}

/** `namespace/name` of an OAuthAPI, as errors and conditions name it. */
export function apiRefOf(api: Pick<OAuthAPI, 'metadata'>): string {
  return `${api.metadata.namespace ?? 'default'}/${api.metadata.name}`;
}
