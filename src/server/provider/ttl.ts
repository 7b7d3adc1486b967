// Lifetimes of every artifact: server-wide defaults from the configuration, per-client overrides from the policy.
import type { Config } from '../../config/load.ts';
import type { ClientPolicy } from '../../store/types.ts';
import { policyOf, type ClientLike } from './client-policy.ts';

interface TokenLike {
  iiat?: number;
  resourceServer?: { accessTokenTTL?: number };
}

const now = (): number => Math.floor(Date.now() / 1000);

/**
 * `policyFor` looks a client's policy up by client_id without I/O; Grants are saved outside of a request context
 * (by the consent page), so their lifetime cannot come from the request's client.
 */
export function lifetimes(config: Config, policyFor: (clientId: string) => ClientPolicy | undefined) {
  const accessTokenTtl = (client: ClientLike | undefined): number => policyOf(client).accessTokenTtl ?? config.accessTokenTtl;
  const absoluteLifetime = (client: ClientLike | undefined): number =>
    policyOf(client).refreshTokenAbsoluteLifetime ?? config.refreshTokenAbsoluteLifetime;

  const accessTokenLifetime = (_ctx: unknown, token: TokenLike, client: ClientLike) => token.resourceServer?.accessTokenTTL ?? accessTokenTtl(client);

  return {
    accessTokenTtl,
    ttl: {
      AccessToken: accessTokenLifetime,
      ClientCredentials: accessTokenLifetime,
      AuthorizationCode: config.authorizationCodeTtl,
      DeviceCode: config.deviceCodeTtl,
      IdToken: config.idTokenTtl,
      Interaction: config.interactionTtl,
      Session: config.sessionTtl,
      /** Idle lifetime, cut short so that no rotation outlives the chain's absolute lifetime. */
      RefreshToken: (_ctx: unknown, token: TokenLike, client: ClientLike) => {
        const idle = policyOf(client).refreshTokenTtl ?? config.refreshTokenTtl;
        const remaining = (token.iiat ?? now()) + absoluteLifetime(client) - now();
        return Math.max(1, Math.min(idle, remaining));
      },
      /**
       * A grant lives as long as the longest refresh chain it can back, and at least as long as a session; a token
       * exchange's grant backs one access token and lives as long (grants/token-exchange/issue.ts).
       */
      Grant: (_ctx: unknown, grant: { clientId: string; exchangeLifetime?: number }) =>
        grant.exchangeLifetime ??
        Math.max(policyFor(grant.clientId)?.refreshTokenAbsoluteLifetime ?? config.refreshTokenAbsoluteLifetime, config.sessionTtl),
    },
  };
}
