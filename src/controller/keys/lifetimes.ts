// The longest a token Purser signs can live, which is what a retired signing key must outlast: the server's
// access-token and id_token lifetimes, and any OAuthClient's own `accessToken.ttl`.
import { parseDuration } from '../../api/duration.ts';
import type { OAuthClient } from '../../api/types.ts';

export function longestSignedLifetimeMs(serverDefaultsSeconds: number[], clients: readonly OAuthClient[]): number {
  const perClient = clients.map((client) => parseDuration(client.spec.accessToken?.ttl ?? '') ?? 0);
  return 1000 * Math.max(0, ...serverDefaultsSeconds, ...perClient);
}
