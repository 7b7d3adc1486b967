// OAuth 2.0 Token Exchange (RFC 8693), delegation only: service A, holding a user's access token (or a workload's
// ServiceAccount token), gets a token for API B that acts for the same user (or workload), names A as the actor, and
// carries only scopes that B's OAuthAPI delegates to A for that subject (spec.delegation) and the user's token already
// had. The steps, in order; each throws the §2.2.2 error it refuses with.
import { TOKEN_EXCHANGE_GRANT } from '../../../api/types.ts';
import { policyOf } from '../../provider/client-policy.ts';
import type { GrantType } from '../grant.ts';
import { assertActorToken } from './actor.ts';
import { issueExchangedToken } from './issue.ts';
import { EXCHANGE_PARAMETERS, JWT_TOKEN_TYPE, readExchangeRequest } from './request.ts';
import { exchangedScopes } from './scopes.ts';
import { serviceAccountSubjects } from './service-account-subject.ts';
import { subjectOf } from './subject.ts';

export const tokenExchange: GrantType = {
  type: TOKEN_EXCHANGE_GRANT,
  parameters: EXCHANGE_PARAMETERS,
  repeatable: ['resource', 'audience'],
  handler: (deps) => {
    const serviceAccountSubjectOf = serviceAccountSubjects(deps.workload);
    return async function tokenExchangeHandler(ctx) {
      const request = readExchangeRequest(ctx.oidc.params ?? {});
      const subject = request.subjectTokenType === JWT_TOKEN_TYPE ? await serviceAccountSubjectOf(request.subjectToken) : await subjectOf(ctx, request.subjectToken, deps);
      if (request.actorToken) await assertActorToken(ctx, request.actorToken, deps);
      const record = await deps.apis(request.target);
      const client = ctx.oidc.client!;
      const scopes = exchangedScopes({ record, target: request.target, clientId: client.clientId, policy: policyOf(client), requested: request.scopes, subjectScopes: subject.scopes, serviceAccount: subject.serviceAccount });
      // exchangedScopes refused a target without an OAuthAPI, so the record is there.
      await issueExchangedToken(ctx, { subject, record: record!, target: request.target, scopes, now: Math.floor(Date.now() / 1000) }, deps);
    };
  },
};
