// How long a signature must stay verifiable, which is what a retired signing key must outlast: the server's
// access-token and id_token lifetimes, any OAuthClient's own `accessToken.ttl`, and the login session's lifetime —
// a relying party hands its id_token back as `id_token_hint` at logout for as long as the session lasts, and
// oidc-provider checks its signature (not its expiry) then.
import { parseDuration } from '../../api/duration.ts';
import type { OAuthClient } from '../../api/types.ts';
import type { Config } from '../../config/load.ts';

export function longestSignedLifetimeMs(config: Pick<Config, 'accessTokenTtl' | 'idTokenTtl' | 'sessionTtl'>, clients: readonly OAuthClient[]): number {
  const perClient = clients.map((client) => parseDuration(client.spec?.accessToken?.ttl ?? '') ?? 0);
  return 1000 * Math.max(config.accessTokenTtl, config.idTokenTtl, config.sessionTtl, ...perClient);
}
