// Translates an OAuthAPI that holds its audience into the API catalog record the server decides from, and the
// list of admitted clients its status shows. Pure: the informer caches are passed in.
import { admittedByServiceAccount, admittedScopes, delegatedByServiceAccount, delegatedScopes, type FlowScopes } from '../../api/admission.ts';
import { parseDuration } from '../../api/duration.ts';
import { apiRefOf, type AdmittedClient } from '../../api/oauth-api.ts';
import { clientIdOf } from '../../api/types.ts';
import type { ApiRecord } from '../../store/types.ts';
import type { OAuthClientResource } from '../kube.ts';
import type { OAuthAPIResource } from './kube.ts';

/**
 * The record for `api` (valid, holding its audience): every OAuthClient that lists the audience and that a rule
 * admits, by client_id; resource servers by client_id (those not found are left out until they exist).
 */
export function toApiRecord(api: OAuthAPIResource, clients: readonly OAuthClientResource[], namespaceLabels: (namespace: string) => Record<string, string>): { record: ApiRecord; admitted: AdmittedClient[] } {
  const { spec } = api;
  const admitted: AdmittedClient[] = [];
  // Maps until the record is built: `byClientId[clientId] = ...` on a plain object would set its prototype for the
  // client_id `__proto__` (spec.clientId is the tenant's to choose), and the client would vanish from the record.
  const byClientId = new Map<string, FlowScopes>();
  const delegation = new Map<string, string[]>();
  const serviceAccountDelegation = new Map<string, Record<string, string[]>>();
  for (const client of clients) {
    if (!client.spec?.audiences?.includes(spec.audience)) continue;
    const { namespace, name } = client.metadata;
    const clientId = clientIdOf(client);
    const identity = { namespace, name, clientId, namespaceLabels: namespaceLabels(namespace) };
    const scopes = admittedScopes(spec, identity);
    const delegated = delegatedScopes(spec, identity);
    const bySubject = delegatedByServiceAccount(spec, identity);
    const subjects = Object.entries(bySubject).map(([account, scopes]) => ({ namespace: account.split('/')[0]!, name: account.split('/')[1]!, scopes }));
    if (subjects.length) serviceAccountDelegation.set(clientId, bySubject);
    if (!scopes.userDelegated.length && !scopes.clientCredentials.length && !delegated.length && !subjects.length) continue;
    byClientId.set(clientId, scopes);
    if (delegated.length) delegation.set(clientId, delegated);
    admitted.push({ namespace, name, clientId, ...scopes, ...(delegated.length ? { delegated } : {}), ...(subjects.length ? { delegatedServiceAccounts: subjects } : {}) });
  }
  admitted.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  const resourceServers = (spec.resourceServers ?? [])
    .map((ref) => clients.find((client) => client.metadata.namespace === ref.namespace && client.metadata.name === ref.name))
    .filter((client) => client !== undefined)
    .map(clientIdOf);
  const byServiceAccount = admittedByServiceAccount(spec);
  const ttl = spec.accessToken?.ttl === undefined ? undefined : parseDuration(spec.accessToken.ttl);
  const record: ApiRecord = {
    api: apiRefOf(api),
    audience: spec.audience,
    scopes: (spec.scopes ?? []).map((scope) => scope.name),
    // Object.fromEntries defines own properties, `__proto__` included; readers look entries up with `own`.
    clients: Object.fromEntries(byClientId),
    ...(delegation.size ? { delegation: Object.fromEntries(delegation) } : {}),
    ...(serviceAccountDelegation.size ? { serviceAccountDelegation: Object.fromEntries(serviceAccountDelegation) } : {}),
    ...(Object.keys(byServiceAccount).length ? { serviceAccounts: byServiceAccount } : {}),
    descriptions: Object.fromEntries((spec.scopes ?? []).filter((scope) => scope.description).map((scope) => [scope.name, scope.description!])),
    ...(spec.displayName ? { displayName: spec.displayName } : {}),
    ...(spec.accessToken ? { accessToken: { ...(spec.accessToken.format ? { format: spec.accessToken.format } : {}), ...(ttl ? { ttl } : {}) } } : {}),
    resourceServers,
  };
  return { record, admitted };
}
