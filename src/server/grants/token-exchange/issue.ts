// Issues the exchanged access token (RFC 8693 §2.2.1): for the target API only, to the calling client, for the
// subject (a user, or a ServiceAccount), with the `act` claim (§4.1), never a refresh token. It lives as long as the
// target's token policy says, and never longer than the subject token (§5: a limited lifetime restricts delegated
// rights). It hangs off a grant of its own, so revoking the caller's grants (its OAuthClient deleted) ends it like any
// other token.
import type { KoaContextWithOIDC } from 'oidc-provider';

import { TOKEN_EXCHANGE_GRANT } from '../../../api/types.ts';
import type { ApiRecord } from '../../../store/types.ts';
import { EXCHANGE_SUBJECT_TOKEN_INVALID } from '../../errors/descriptions.ts';
import { InvalidRequest } from '../../errors/purser-error.ts';
import { policyOf } from '../../provider/client-policy.ts';
import { resourceServer } from '../../provider/resource-servers.ts';
import type { GrantDependencies } from '../grant.ts';
import { actClaim, addTokenClaims } from './act.ts';
import { ACCESS_TOKEN_TYPE } from './request.ts';
import type { Subject } from './subject.ts';

export interface Exchange {
  subject: Subject;
  record: ApiRecord;
  target: string;
  scopes: string[];
  /** Epoch seconds. */
  now: number;
}

/** Sets the §2.2.1 response on ctx.body: access_token, issued_token_type, token_type, expires_in, scope. */
export async function issueExchangedToken(ctx: KoaContextWithOIDC, { subject, record, target, scopes, now }: Exchange, deps: GrantDependencies): Promise<void> {
  const { provider } = ctx.oidc;
  const client = ctx.oidc.client!;
  const ttl = Math.min(record.accessToken?.ttl ?? deps.accessTokenTtl(client), subject.exp - now);
  // The subject token expired while this request was served.
  if (ttl < 1) throw new InvalidRequest(EXCHANGE_SUBJECT_TOKEN_INVALID);
  const scope = scopes.join(' ');
  const grant = new provider.Grant({ clientId: client.clientId, accountId: subject.accountId });
  grant.addResourceScope(target, scope);
  // ttl.ts: an exchange's grant lives as long as its one token.
  Object.assign(grant, { exchangeLifetime: ttl });
  const grantId = await grant.save();
  const format = record.accessToken?.format ?? policyOf(client).accessTokenFormat;
  const token = new provider.AccessToken({ client, accountId: subject.accountId, grantId, gty: TOKEN_EXCHANGE_GRANT, scope, expiresIn: ttl, resourceServer: new provider.ResourceServer(target, resourceServer(target, scope, format, ttl)) });
  addTokenClaims(token, { act: actClaim(client.clientId, subject.act) });
  ctx.oidc.entity('AccessToken', token);
  const accessToken = await token.save();
  ctx.body = { access_token: accessToken, issued_token_type: ACCESS_TOKEN_TYPE, token_type: token.tokenType, expires_in: ttl, scope };
}
