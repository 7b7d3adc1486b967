// The scenarios of `npm run bench` (BENCH_SCENARIOS selects some) and the token request each target is sent.
// client_credentials_sa has no ServiceAccount counterpart in bare oidc-provider: its baseline is the baseline's
// client_credentials with client_secret_basic, the same request as in client_credentials.
import { assertionBody } from '../support/service-account.ts';
import { basicAuth, CLIENT_CREDENTIALS_BODY, MACHINE, MACHINE_OPAQUE } from './bench-clients.ts';

/** In the order they run. `floor` measures the bare Koa app and the ES256 sign loop (floor.ts). */
export const SCENARIOS = ['client_credentials', 'client_credentials_opaque', 'client_credentials_sa', 'floor', 'refresh_token'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** The scenarios loaded with autocannon (cc-load.ts), one request repeated. */
export const CLIENT_CREDENTIALS_SCENARIOS: readonly Scenario[] = ['client_credentials', 'client_credentials_opaque', 'client_credentials_sa'];

/** One token request: client_secret_basic when `authorization` is set, else the client authenticates in the body. */
export interface TokenRequest {
  authorization?: string;
  body: string;
}

/** client_secret_basic as `machine.bench`, ES256 JWT access token: client_credentials, and the floor's request. */
export const SECRET_JWT_REQUEST: TokenRequest = { authorization: basicAuth(MACHINE), body: CLIENT_CREDENTIALS_BODY };

/**
 * What `target` is sent in a client_credentials scenario. `serviceAccountToken`: a token Purser accepts as
 * `machine.bench`'s client assertion (client_credentials_sa only).
 */
export function clientCredentialsRequest(scenario: Scenario, target: string, serviceAccountToken?: string): TokenRequest {
  if (scenario === 'client_credentials_opaque') return { authorization: basicAuth(MACHINE_OPAQUE), body: CLIENT_CREDENTIALS_BODY };
  if (scenario === 'client_credentials_sa' && target === 'purser') {
    if (!serviceAccountToken) throw new Error('client_credentials_sa needs a published ServiceAccount token');
    return { body: assertionBody(CLIENT_CREDENTIALS_BODY, MACHINE.clientId, serviceAccountToken) };
  }
  return SECRET_JWT_REQUEST;
}

/** Parses BENCH_SCENARIOS (all when unset); throws on an unknown name. */
export function selectedScenarios(names: string[] | undefined): Scenario[] {
  if (!names) return [...SCENARIOS];
  const unknown = names.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
  const selected = SCENARIOS.filter((scenario) => names.includes(scenario));
  if (unknown.length || !selected.length) throw new Error(`BENCH_SCENARIOS: expected some of ${SCENARIOS.join(', ')}, got "${names.join(',')}"`);
  return selected;
}
