// Client authentication with a signed JWT (RFC 7523 §2.2, §3): private_key_jwt only, with asymmetric algorithms, and
// each assertion accepted once across every replica.
import type { Provider } from 'oidc-provider';

import type { RateCounters } from '../../store/types.ts';

/** The client authentication methods Purser serves, and so advertises (client_secret_jwt: see AUTH_METHODS). */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];

/** Algorithms a client assertion may be signed with: asymmetric only, since no client has a shared JWT key. */
export const CLIENT_ASSERTION_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA'];

interface ReplayDetectionModel {
  unique(iss: string, jti: string, exp: number): Promise<boolean>;
}

/**
 * RFC 7523 §3 item 7: an assertion's jti is accepted once. oidc-provider looks the jti up and then stores it, so two
 * replicas can both accept one assertion; an atomic counter under the (digested) issuer and jti, kept until the
 * assertion expires, lets exactly one of any number of concurrent presentations through.
 */
export function installAtomicReplayDetection(provider: Provider, counters: RateCounters): void {
  const ReplayDetection = provider.ReplayDetection as unknown as ReplayDetectionModel;
  ReplayDetection.unique = async (iss: string, jti: string, exp: number) => {
    const window = Math.max(1, Math.ceil(exp - Date.now() / 1000));
    return (await counters.hit(`client-assertion:${iss.length}:${iss}:${jti}`, window)) === 1;
  };
}
