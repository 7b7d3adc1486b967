// The token exchange grant's pure steps (src/server/grants/token-exchange/): reading the request (RFC 8693 §2.1),
// deciding the scopes (§2.2.2, §5) and the act claim (§4.1), each refusal with its exact OAuth error and description.
import { describe, expect, it } from 'vitest';

import { noOAuthAPIDescription } from '../../src/api/admission-errors.ts';
import * as text from '../../src/server/errors/descriptions.ts';
import type { PurserError } from '../../src/server/errors/purser-error.ts';
import { actClaim } from '../../src/server/grants/token-exchange/act.ts';
import { ACCESS_TOKEN_TYPE, JWT_TOKEN_TYPE, readExchangeRequest } from '../../src/server/grants/token-exchange/request.ts';
import { exchangedScopes, type ScopeQuestion } from '../../src/server/grants/token-exchange/scopes.ts';

/** The error `call` throws, as the token endpoint would answer it. */
function refusal(call: () => unknown): { error: string; description: string } | undefined {
  try {
    call();
  } catch (error) {
    return { error: (error as PurserError).message, description: (error as PurserError).error_description! };
  }
  return undefined;
}

const subject = { subject_token: 'token', subject_token_type: ACCESS_TOKEN_TYPE };
const INVENTORY = 'https://inventory.test';

describe('readExchangeRequest (RFC 8693 §2.1)', () => {
  it('reads the subject token, the target from resource or audience, and the scopes', () => {
    expect(readExchangeRequest({ ...subject, resource: INVENTORY, scope: 'a b' })).toEqual({ subjectToken: 'token', subjectTokenType: ACCESS_TOKEN_TYPE, target: INVENTORY, scopes: ['a', 'b'] });
    expect(readExchangeRequest({ ...subject, audience: INVENTORY, requested_token_type: ACCESS_TOKEN_TYPE })).toEqual({ subjectToken: 'token', subjectTokenType: ACCESS_TOKEN_TYPE, target: INVENTORY });
    // §2.1.1: resource and audience may both name the target.
    expect(readExchangeRequest({ ...subject, resource: [INVENTORY], audience: INVENTORY, actor_token: 'mine', actor_token_type: ACCESS_TOKEN_TYPE })).toEqual({ subjectToken: 'token', subjectTokenType: ACCESS_TOKEN_TYPE, actorToken: 'mine', target: INVENTORY });
  });

  it('§3: reads a JWT subject token (a ServiceAccount token) with subject_token_type jwt', () => {
    expect(readExchangeRequest({ subject_token: 'sa', subject_token_type: JWT_TOKEN_TYPE, resource: INVENTORY })).toEqual({ subjectToken: 'sa', subjectTokenType: JWT_TOKEN_TYPE, target: INVENTORY });
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['§2.1 subject_token is REQUIRED', { subject_token_type: ACCESS_TOKEN_TYPE, resource: INVENTORY }, 'invalid_request', text.describe(text.EXCHANGE_PARAMETER_MISSING, 'subject_token')],
    ['§2.1 subject_token_type is REQUIRED', { subject_token: 't', resource: INVENTORY }, 'invalid_request', text.describe(text.EXCHANGE_PARAMETER_MISSING, 'subject_token_type')],
    ['§2.2.2 a subject_token_type not supported', { ...subject, subject_token_type: 'urn:ietf:params:oauth:token-type:id_token', resource: INVENTORY }, 'invalid_request', text.describe(text.EXCHANGE_SUBJECT_TOKEN_TYPE, 'urn:ietf:params:oauth:token-type:id_token')],
    ['§2.1 actor_token_type is REQUIRED with actor_token', { ...subject, actor_token: 'a', resource: INVENTORY }, 'invalid_request', text.describe(text.EXCHANGE_PARAMETER_MISSING, 'actor_token_type')],
    ['§2.1 actor_token_type MUST NOT come without actor_token', { ...subject, actor_token_type: ACCESS_TOKEN_TYPE, resource: INVENTORY }, 'invalid_request', text.EXCHANGE_ACTOR_TOKEN_TYPE_ALONE],
    ['§2.2.2 an actor_token_type not supported', { ...subject, actor_token: 'a', actor_token_type: 'urn:ietf:params:oauth:token-type:id_token', resource: INVENTORY }, 'invalid_request', text.describe(text.EXCHANGE_ACTOR_TOKEN_TYPE, 'urn:ietf:params:oauth:token-type:id_token')],
    ['§2.2.2 a requested_token_type other than access_token', { ...subject, requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token', resource: INVENTORY }, 'invalid_request', text.describe(text.EXCHANGE_REQUESTED_TOKEN_TYPE, 'urn:ietf:params:oauth:token-type:refresh_token')],
    ['§2.1 no resource or audience', subject, 'invalid_request', text.EXCHANGE_TARGET_MISSING],
    ['§2.1.1 two targets', { ...subject, resource: [INVENTORY, 'https://billing.test'] }, 'invalid_target', text.EXCHANGE_ONE_TARGET],
    ['§2.1.1 resource and audience naming two APIs', { ...subject, resource: INVENTORY, audience: 'https://billing.test' }, 'invalid_target', text.EXCHANGE_ONE_TARGET],
  ])('RFC 8693 %s', (_label, params, error, description) => {
    expect(refusal(() => readExchangeRequest(params))).toEqual({ error, description });
  });
});

describe('exchangedScopes (RFC 8693 §2.2.2, §5)', () => {
  const record = { api: 'team-i/inventory', audience: INVENTORY, scopes: ['inventory:read', 'inventory:write', 'inventory:admin'], clients: {}, delegation: { 'orders.team-a': ['inventory:read', 'inventory:write'] } };
  const question = (overrides: Partial<ScopeQuestion> = {}): ScopeQuestion => ({
    record,
    target: INVENTORY,
    clientId: 'orders.team-a',
    policy: { audiences: [INVENTORY], scopes: ['inventory:read', 'inventory:write'] },
    subjectScopes: ['orders:read', 'inventory:read'],
    ...overrides,
  });

  it('§5: without a scope parameter, every delegated scope that the caller lists and the subject token carries', () => {
    expect(exchangedScopes(question())).toEqual(['inventory:read']);
    expect(exchangedScopes(question({ subjectScopes: ['inventory:write', 'inventory:read'] }))).toEqual(['inventory:read', 'inventory:write']);
  });

  it('the scopes asked for, when each fits', () => {
    expect(exchangedScopes(question({ requested: ['inventory:read', 'inventory:read'] }))).toEqual(['inventory:read']);
  });

  it.each<[string, Partial<ScopeQuestion>, string, string]>([
    ['a target outside the caller\'s audiences', { policy: { audiences: [], scopes: [] } }, 'invalid_target', text.describe(text.RESOURCE_NOT_AN_AUDIENCE, INVENTORY, 'none')],
    ['no OAuthAPI for the target', { record: undefined }, 'invalid_target', noOAuthAPIDescription(INVENTORY)],
    ['no delegation entry for the caller', { clientId: 'other.team-x' }, 'invalid_target', text.describe(text.EXCHANGE_NOT_DELEGATED, 'team-i/inventory', 'other.team-x', INVENTORY)],
    ['no delegation entry for a caller whose client_id every object inherits', { clientId: 'constructor' }, 'invalid_target', text.describe(text.EXCHANGE_NOT_DELEGATED, 'team-i/inventory', 'constructor', INVENTORY)],
    ['no ServiceAccount delegation for such a caller', { clientId: 'constructor', serviceAccount: 'team-w/worker', subjectScopes: undefined }, 'invalid_target', text.describe(text.EXCHANGE_SA_NOT_DELEGATED, 'team-i/inventory', 'constructor', 'team-w/worker', INVENTORY)],
    ['OpenID Connect scopes', { requested: ['openid', 'inventory:read'] }, 'invalid_scope', text.describe(text.EXCHANGE_OIDC_SCOPES, 'openid')],
    ['a scope not delegated', { requested: ['inventory:admin'] }, 'invalid_scope', text.describe(text.EXCHANGE_SCOPE_NOT_DELEGATED, 'team-i/inventory', 'orders.team-a', 'inventory:read inventory:write', INVENTORY, 'inventory:admin')],
    ['a scope the caller does not list', { requested: ['inventory:write'], policy: { audiences: [INVENTORY], scopes: ['inventory:read'] } }, 'invalid_scope', text.describe(text.SCOPE_NOT_ALLOWED, 'inventory:write', 'inventory:read')],
    ['a scope the subject token does not carry', { requested: ['inventory:write'] }, 'invalid_scope', text.describe(text.EXCHANGE_SCOPE_NOT_IN_SUBJECT, 'inventory:write', 'inventory:read orders:read')],
    ['nothing left to delegate', { subjectScopes: ['orders:read'] }, 'invalid_scope', text.describe(text.EXCHANGE_NOTHING_TO_DELEGATE, 'orders.team-a', INVENTORY, 'inventory:read inventory:write')],
  ])('RFC 8693 §2.2.2: refuses %s', (_label, overrides, error, description) => {
    expect(refusal(() => exchangedScopes(question(overrides)))).toEqual({ error, description });
  });
});

describe('exchangedScopes for a ServiceAccount subject (RFC 8693 §2.2.2, §5)', () => {
  const WORKER = 'team-w/batch-worker';
  const record = {
    api: 'team-i/inventory',
    audience: INVENTORY,
    scopes: ['inventory:read', 'inventory:write', 'inventory:admin'],
    clients: {},
    delegation: { 'orders.team-a': ['inventory:admin'] },
    serviceAccountDelegation: { 'orders.team-a': { [WORKER]: ['inventory:read', 'inventory:write'] } },
  };
  const question = (overrides: Partial<ScopeQuestion> = {}): ScopeQuestion => ({
    record,
    target: INVENTORY,
    clientId: 'orders.team-a',
    policy: { audiences: [INVENTORY], scopes: ['inventory:read', 'inventory:write', 'inventory:admin'] },
    serviceAccount: WORKER,
    ...overrides,
  });

  it('§5: without a scope parameter, every scope delegated for the ServiceAccount that the caller lists (the token carries none)', () => {
    expect(exchangedScopes(question())).toEqual(['inventory:read', 'inventory:write']);
    expect(exchangedScopes(question({ policy: { audiences: [INVENTORY], scopes: ['inventory:read'] } }))).toEqual(['inventory:read']);
  });

  it('the scopes asked for, when the delegation for the ServiceAccount has them', () => {
    expect(exchangedScopes(question({ requested: ['inventory:write'] }))).toEqual(['inventory:write']);
  });

  it.each<[string, Partial<ScopeQuestion>, string, string]>([
    ['a ServiceAccount no entry names for the caller', { serviceAccount: 'team-w/other' }, 'invalid_target', text.describe(text.EXCHANGE_SA_NOT_DELEGATED, 'team-i/inventory', 'orders.team-a', 'team-w/other', INVENTORY)],
    ['a caller delegated users\' tokens only', { clientId: 'web.team-a' }, 'invalid_target', text.describe(text.EXCHANGE_SA_NOT_DELEGATED, 'team-i/inventory', 'web.team-a', WORKER, INVENTORY)],
    ['a scope delegated for users\' tokens, not for the ServiceAccount', { requested: ['inventory:admin'] }, 'invalid_scope', text.describe(text.EXCHANGE_SCOPE_NOT_DELEGATED, 'team-i/inventory', 'orders.team-a', 'inventory:read inventory:write', INVENTORY, 'inventory:admin')],
    ['nothing the caller lists', { policy: { audiences: [INVENTORY], scopes: ['inventory:admin'] } }, 'invalid_scope', text.describe(text.SCOPE_NOT_ALLOWED, 'inventory:read inventory:write', 'inventory:admin')],
  ])('RFC 8693 §2.2.2: refuses %s', (_label, overrides, error, description) => {
    expect(refusal(() => exchangedScopes(question(overrides)))).toEqual({ error, description });
  });
});

describe('actClaim (RFC 8693 §4.1)', () => {
  it('names the calling client as the current actor', () => {
    expect(actClaim('orders.team-a')).toEqual({ sub: 'orders.team-a' });
  });

  it('nests the chain the subject token carried: the most recent actor outermost', () => {
    expect(actClaim('billing.team-b', { sub: 'orders.team-a', act: { sub: 'web.team-w' } })).toEqual({ sub: 'billing.team-b', act: { sub: 'orders.team-a', act: { sub: 'web.team-w' } } });
  });
});
