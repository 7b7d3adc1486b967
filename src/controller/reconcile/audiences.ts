// What each audience's OAuthAPI admits for this client, read from the API catalog the OAuthAPI reconciler writes:
// the client's status shows it per audience, and the AudiencesAdmitted condition names the OAuthAPI to ask.
import { everyDelegated, flowOfGrant, own } from '../../api/admission.ts';
import { AudienceNotAdmitted, NoOAuthAPI } from '../../api/api-reasons.ts';
import type { Problem } from '../../api/reasons.ts';
import { clientIdOf, grantTypesOf, OIDC_SCOPES, TOKEN_EXCHANGE_GRANT, type AudienceStatus } from '../../api/types.ts';
import type { OAuthClientResource } from '../kube.ts';
import type { ReconcileContext } from './context.ts';

export const AUDIENCES_ADMITTED = 'AudiencesAdmitted';

export interface Admission {
  audiences: AudienceStatus[];
  /** The first audience not (fully) admitted; `undefined` when every one is. */
  problem?: Problem;
}

/** One API catalog read per audience of the spec; `undefined` for a client without audiences. */
export async function admissionOf(ctx: ReconcileContext, client: OAuthClientResource): Promise<Admission | undefined> {
  const audiences = client.spec.audiences ?? [];
  if (!audiences.length) return undefined;
  const clientId = clientIdOf(client);
  const grants = grantTypesOf(client.spec);
  // A token exchange is admitted by the OAuthAPI's spec.delegation, not by a flow of spec.access.
  const exchanges = grants.includes(TOKEN_EXCHANGE_GRANT);
  const flows = [...new Set(grants.filter((grant) => grant !== TOKEN_EXCHANGE_GRANT).map(flowOfGrant))];
  const wanted = (client.spec.scopes ?? []).filter((scope) => !OIDC_SCOPES.includes(scope));
  const problems: Problem[] = [];
  const statuses: AudienceStatus[] = [];
  const records = [];
  for (const audience of audiences) records.push(await ctx.store.apis.get(audience));
  // A scope the client obtains by exchange is wanted from the API that delegates it, not from every API defining the
  // name (the API whose tokens it exchanges defines it too, for its users to consent to).
  const exchanged = new Set(exchanges ? records.flatMap((record) => (record ? everyDelegated(record, clientId) : [])) : []);
  for (const [index, audience] of audiences.entries()) {
    const record = records[index];
    if (!record) {
      statuses.push({ audience });
      problems.push({ reason: NoOAuthAPI, message: `no OAuthAPI declares the audience "${audience}"; its API team declares it with an OAuthAPI resource` });
      continue;
    }
    const admitted = own(record.clients, clientId) ?? { userDelegated: [], clientCredentials: [] };
    const inFlows = new Set([...flows.flatMap((flow) => admitted[flow]), ...(exchanges ? everyDelegated(record, clientId) : [])]);
    const notAdmitted = wanted.filter((scope) => record.scopes.includes(scope) && !inFlows.has(scope) && !exchanged.has(scope));
    statuses.push({ audience, oauthAPI: record.api, userDelegated: admitted.userDelegated, clientCredentials: admitted.clientCredentials, ...(notAdmitted.length ? { notAdmitted } : {}) });
    if (notAdmitted.length || !inFlows.size) {
      const what = notAdmitted.length ? notAdmitted.join(', ') : 'any scope';
      problems.push({ reason: AudienceNotAdmitted, message: `OAuthAPI ${record.api} does not admit ${what} for the audience "${audience}" (${[...flows, ...(exchanges ? ['tokenExchange'] : [])].join(', ')}); ask its owners to add this client to spec.access${exchanges ? ' or spec.delegation' : ''}` });
    }
  }
  return { audiences: statuses, problem: problems[0] };
}
