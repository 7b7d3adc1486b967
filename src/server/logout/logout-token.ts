// OpenID Connect Back-Channel Logout 1.0 §2.4: the logout token for one queued job, signed at delivery time with the
// provider's current keys, so the queue never holds a token and a key rotation meanwhile is no problem.
import type { Provider } from 'oidc-provider';

import type { LogoutJob } from '../../store/types.ts';

/** §2.4: the one event a logout token carries. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** What to send where, for one delivery attempt. */
export interface PreparedLogout {
  uri: string;
  /** The signed logout token: never logged. */
  token: string;
}

interface LogoutTokenModel {
  mask: Record<string, null>;
  set(claim: string, value: unknown): void;
  issue(options: { use: 'logout' }): Promise<string>;
}

type IdTokenClass = new (claims: { sub: string }, options: { client: unknown; ctx: undefined }) => LogoutTokenModel;

/**
 * The token for `job`, or `undefined` when its client is gone or no longer has a `backchannelLogoutUri` (nothing to
 * deliver). §2.4: iss, aud (the client_id), iat, exp (2 minutes), jti (the job's, the same on every attempt), events,
 * sub and sid; typ `logout+jwt` (§2.4, RFC 8725 §3.11); never a nonce (§2.4 forbids it). Signed like the client's
 * id_tokens (RS256), so the client verifies it against the same JWKS.
 */
export async function logoutTokenFor(provider: Provider, job: LogoutJob): Promise<PreparedLogout | undefined> {
  const client = await provider.Client.find(job.clientId);
  const uri = (client as { backchannelLogoutUri?: string } | undefined)?.backchannelLogoutUri;
  if (!client || !uri) return undefined;
  const IdToken = provider.IdToken as unknown as IdTokenClass;
  const token = new IdToken({ sub: job.sub }, { client, ctx: undefined });
  // oidc-provider's own logout token does the same: sub is kept whatever the client's scopes say.
  token.mask = { sub: null };
  token.set('events', { [BACKCHANNEL_LOGOUT_EVENT]: {} });
  token.set('jti', job.jti);
  if (job.sid) token.set('sid', job.sid);
  return { uri, token: await token.issue({ use: 'logout' }) };
}
