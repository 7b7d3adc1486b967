// The admission decision as pure functions, in two halves: what an OAuthAPI admits for one client (the controller
// evaluates it, with the namespace's labels, and writes the result to the API catalog), and whether one token
// request fits what was admitted (the server, from that record alone: it never calls the Kubernetes API).
import { INVALID_SCOPE, INVALID_TARGET, audienceNotAdmittedDescription, noOAuthAPIDescription, scopeNotAdmittedDescription, scopeNotDefinedDescription } from './admission-errors.ts';
import { AudienceNotAdmitted, NoOAuthAPI, ScopeNotDefined } from './api-reasons.ts';
import { selectorMatches } from './label-selector.ts';
import type { AccessRule, Flow, OAuthAPISpec } from './oauth-api.ts';
import { OIDC_SCOPES } from './types.ts';

/** Who is asking, as the controller knows it: never the client_id alone, which a tenant may choose. */
export interface ClientIdentity {
  namespace: string;
  name: string;
  namespaceLabels: Readonly<Record<string, string>>;
  clientId: string;
}

/** Scopes admitted per flow, sorted; a flow with no scope means the client is not admitted in it. */
export type FlowScopes = Record<Flow, string[]>;

/** What the server needs of one OAuthAPI to decide a token request: its name, its scopes, and who gets which. */
export interface AudienceAdmission {
  /** `namespace/name` of the OAuthAPI, named in every refusal. */
  api: string;
  audience: string;
  /** Every scope the OAuthAPI defines. */
  scopes: string[];
  /** By client_id. */
  clients: Record<string, FlowScopes>;
  /** Scopes each client_id may obtain by token exchange (spec.delegation, RFC 8693); absent: no client may. */
  delegation?: Record<string, string[]>;
  /**
   * Scopes each client_id may obtain by exchanging a ServiceAccount's token, by that ServiceAccount (`namespace/name`):
   * the delegation entries that list subjectServiceAccounts. Absent: no client may.
   */
  serviceAccountDelegation?: Record<string, Record<string, string[]>>;
  /** By the ServiceAccount (`namespace/name`) a request authenticated with; absent when no rule names one. */
  serviceAccounts?: Record<string, FlowScopes>;
}

export type AdmissionDecision = { scopes: string[] } | { error: typeof INVALID_TARGET | typeof INVALID_SCOPE; reason: string; description: string };

/** The selecting half of an access or delegation rule. */
type ClientSelection = Pick<AccessRule, 'clients' | 'namespaceSelector'>;

function ruleSelects(rule: ClientSelection, client: ClientIdentity): boolean {
  if (rule.clients?.some((ref) => ref.namespace === client.namespace && ref.name === client.name)) return true;
  return rule.namespaceSelector !== undefined && selectorMatches(rule.namespaceSelector, client.namespaceLabels);
}

/**
 * The scopes `api` admits for `client`, per flow: the union of the rules that select it, limited to the scopes the
 * API defines (a rule naming an undefined scope admits nothing by it; validation reports such a rule).
 */
export function admittedScopes(api: OAuthAPISpec, client: ClientIdentity): FlowScopes {
  const defined = new Set((api.scopes ?? []).map((scope) => scope.name));
  const result: Record<Flow, Set<string>> = { userDelegated: new Set(), clientCredentials: new Set() };
  for (const rule of api.access ?? []) {
    if (!ruleSelects(rule, client)) continue;
    for (const flow of rule.flows) for (const scope of rule.scopes) if (defined.has(scope)) result[flow].add(scope);
  }
  return { userDelegated: [...result.userDelegated].sort(), clientCredentials: [...result.clientCredentials].sort() };
}

/**
 * The scopes `api` lets `client` obtain by exchanging users' tokens (RFC 8693): the union of the delegation entries
 * that select it and list no subjectServiceAccounts, limited to the scopes the API defines; sorted, empty when none
 * selects it.
 */
export function delegatedScopes(api: OAuthAPISpec, client: ClientIdentity): string[] {
  const defined = new Set((api.scopes ?? []).map((scope) => scope.name));
  const result = new Set<string>();
  for (const rule of api.delegation ?? []) {
    if (!rule.subjectServiceAccounts?.length && ruleSelects(rule, client)) for (const scope of rule.scopes) if (defined.has(scope)) result.add(scope);
  }
  return [...result].sort();
}

/**
 * The scopes `api` lets `client` obtain by exchanging a ServiceAccount's token (RFC 8693, subject_token_type jwt), by
 * ServiceAccount (`namespace/name`): the union of the delegation entries that select the client and list that
 * ServiceAccount in subjectServiceAccounts, limited to the scopes the API defines; sorted; `{}` when none does.
 */
export function delegatedByServiceAccount(api: OAuthAPISpec, client: ClientIdentity): Record<string, string[]> {
  const defined = new Set((api.scopes ?? []).map((scope) => scope.name));
  const result: Record<string, Set<string>> = {};
  for (const rule of api.delegation ?? []) {
    if (!rule.subjectServiceAccounts?.length || !ruleSelects(rule, client)) continue;
    for (const account of rule.subjectServiceAccounts) {
      const entry = (result[`${account.namespace}/${account.name}`] ??= new Set());
      for (const scope of rule.scopes) if (defined.has(scope)) entry.add(scope);
    }
  }
  return Object.fromEntries(Object.entries(result).filter(([, scopes]) => scopes.size).map(([account, scopes]) => [account, [...scopes].sort()]));
}

/**
 * `map[key]` when `map` has it as its own: a client_id such as `constructor` must not read what every object inherits
 * (a function, where an array of scopes belongs).
 */
export const own = <T>(map: Record<string, T> | undefined, key: string): T | undefined => (map && Object.hasOwn(map, key) ? map[key] : undefined);

/**
 * What `entry` lets `clientId` obtain by token exchange for one subject: a user's token when `serviceAccount` is
 * `undefined`, else the token of that ServiceAccount (`namespace/name`). Sorted; empty when nothing is delegated.
 */
export function delegatedFor(entry: AudienceAdmission, clientId: string, serviceAccount?: string): string[] {
  return (serviceAccount === undefined ? own(entry.delegation, clientId) : own(own(entry.serviceAccountDelegation, clientId), serviceAccount)) ?? [];
}

/** Every scope `entry` lets `clientId` obtain by token exchange, for any subject (users or ServiceAccounts); sorted. */
export function everyDelegated(entry: AudienceAdmission, clientId: string): string[] {
  return [...new Set([...(own(entry.delegation, clientId) ?? []), ...Object.values(own(entry.serviceAccountDelegation, clientId) ?? {}).flat()])].sort();
}

/**
 * The scopes `api` admits per ServiceAccount (`namespace/name`) its rules name, per flow: like `admittedScopes`, for
 * requests that authenticate with that ServiceAccount's token, whatever their client.
 */
export function admittedByServiceAccount(api: OAuthAPISpec): Record<string, FlowScopes> {
  const defined = new Set((api.scopes ?? []).map((scope) => scope.name));
  const result: Record<string, Record<Flow, Set<string>>> = {};
  for (const rule of api.access ?? []) {
    for (const account of rule.serviceAccounts ?? []) {
      const entry = (result[`${account.namespace}/${account.name}`] ??= { userDelegated: new Set(), clientCredentials: new Set() });
      for (const flow of rule.flows) for (const scope of rule.scopes) if (defined.has(scope)) entry[flow].add(scope);
    }
  }
  return Object.fromEntries(Object.entries(result).map(([account, flows]) => [account, { userDelegated: [...flows.userDelegated].sort(), clientCredentials: [...flows.clientCredentials].sort() }]));
}

/** What `entry` admits in `flow` for `clientId`, and for the ServiceAccount the request authenticated with, if any. */
export function admittedInFlow(entry: AudienceAdmission, clientId: string, flow: Flow, serviceAccount?: string): string[] {
  const byClient = own(entry.clients, clientId)?.[flow] ?? [];
  const byAccount = (serviceAccount && own(entry.serviceAccounts, serviceAccount)?.[flow]) || [];
  return byAccount.length ? [...new Set([...byClient, ...byAccount])].sort() : byClient;
}

/**
 * Whether a token for `audience` may carry the `requested` scopes for `clientId` in `flow`. OpenID Connect scopes
 * belong to the server and pass through untouched; the answer's `scopes` are the API scopes the token may carry.
 * `entry` is the audience's admission record, `undefined` when no OAuthAPI declares the audience; `serviceAccount`
 * (`namespace/name`) is the ServiceAccount the request authenticated with, if it did.
 * Refusals: invalid_target (RFC 8707 §2) when there is no OAuthAPI or the client is not admitted in this flow at
 * all; invalid_scope (RFC 6749 §5.2) for a scope the API does not define or does not admit for this client.
 */
export function decideAdmission(entry: AudienceAdmission | undefined, audience: string, clientId: string, requested: readonly string[], flow: Flow, serviceAccount?: string): AdmissionDecision {
  if (!entry) return { error: INVALID_TARGET, reason: NoOAuthAPI, description: noOAuthAPIDescription(audience) };
  const apiScopes = [...new Set(requested.filter((scope) => scope && !OIDC_SCOPES.includes(scope)))];
  const undefinedScopes = apiScopes.filter((scope) => !entry.scopes.includes(scope));
  if (undefinedScopes.length) return { error: INVALID_SCOPE, reason: ScopeNotDefined, description: scopeNotDefinedDescription(entry.api, audience, undefinedScopes) };
  const admitted = admittedInFlow(entry, clientId, flow, serviceAccount);
  if (!admitted.length) return { error: INVALID_TARGET, reason: AudienceNotAdmitted, description: audienceNotAdmittedDescription(entry.api, audience, clientId, flow) };
  const refused = apiScopes.filter((scope) => !admitted.includes(scope));
  if (refused.length) return { error: INVALID_SCOPE, reason: AudienceNotAdmitted, description: scopeNotAdmittedDescription(entry.api, audience, clientId, flow, refused, admitted) };
  return { scopes: apiScopes };
}

/** The flow a grant type belongs to: every grant a user takes part in is user-delegated. */
export function flowOfGrant(grantType: string): Flow {
  return grantType === 'client_credentials' ? 'clientCredentials' : 'userDelegated';
}
