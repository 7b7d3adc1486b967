// The audience's OAuthAPI decides which API scopes a token may carry (DESIGN.md, "Who may get which token"): the
// pure decision (src/api/admission.ts) applied to one token or authorization request, from the API catalog record
// alone. A request that names scopes beyond the admission is refused with the exact OAuth error; a refresh without
// a scope parameter is narrowed instead, so that it never yields a scope no longer admitted.
import type { KoaContextWithOIDC } from 'oidc-provider';

import { INVALID_SCOPE } from '../../api/admission-errors.ts';
import { admittedInFlow, decideAdmission, flowOfGrant } from '../../api/admission.ts';
import type { ApiRecord } from '../../store/types.ts';
import { InvalidScope, InvalidTarget } from '../errors/purser-error.ts';
import { workloadIdentityOf } from '../workload/authenticate.ts';

export type ApiLookup = (audience: string) => Promise<ApiRecord | undefined>;

/** The API scopes a token for `audience` may carry for `clientId` in this request; throws invalid_target / invalid_scope. */
export async function admittedApiScopes(ctx: KoaContextWithOIDC, clientId: string, audience: string, lookup: ApiLookup): Promise<{ scopes: string[]; record: ApiRecord }> {
  const params = ctx.oidc.params ?? {};
  const grantType = typeof params.grant_type === 'string' ? params.grant_type : 'authorization_code';
  const flow = flowOfGrant(grantType);
  // A refresh without a scope parameter asks for what it had: narrow it to what is admitted now, do not fail it.
  const requested = typeof params.scope === 'string' && !(grantType === 'refresh_token' && !params.scope) ? params.scope.split(' ') : [];
  const record = await lookup(audience);
  const identity = workloadIdentityOf(ctx);
  const serviceAccount = identity && `${identity.namespace}/${identity.name}`;
  const decision = decideAdmission(record, audience, clientId, requested, flow, serviceAccount);
  if ('error' in decision) {
    throw decision.error === INVALID_SCOPE ? new InvalidScope(decision.description, { scope: requested.join(' ') }) : new InvalidTarget(decision.description);
  }
  return { scopes: admittedInFlow(record!, clientId, flow, serviceAccount), record: record! };
}
