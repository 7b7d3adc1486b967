// Reads Purser's per-client policy off an oidc-provider Client (it travels in the `purser` metadata property).
import type { ClientPolicy } from '../../store/types.ts';
import { PURSER_METADATA, type PurserClientMetadata } from '../../store/oidc-adapter.ts';

/** What a client without a Purser record (none exist today, but be safe) gets: the strictest reading. */
const FALLBACK_POLICY: ClientPolicy = {
  scopes: [],
  audiences: [],
  accessTokenFormat: 'opaque',
  refreshTokenReuseGracePeriod: 0,
  requirePkce: true,
  skipConsent: false,
  corsOrigins: [],
};

export interface ClientLike {
  clientId: string;
  [PURSER_METADATA]?: PurserClientMetadata;
}

export function purserOf(client: object): PurserClientMetadata | undefined {
  return (client as ClientLike)[PURSER_METADATA];
}

export function policyOf(client: object | undefined): ClientPolicy {
  return (client && purserOf(client)?.policy) ?? FALLBACK_POLICY;
}
