// The admission decision (DESIGN.md "Who may get which token"): a table of client × OAuthAPI × requested scopes ×
// flow → admitted scopes or the exact refusal.
import { describe, expect, it } from 'vitest';

import { admittedByServiceAccount, admittedScopes, decideAdmission, delegatedByServiceAccount, delegatedFor, delegatedScopes, everyDelegated, flowOfGrant, type AdmissionDecision, type ClientIdentity } from '../../src/api/admission.ts';
import { selectorMatches } from '../../src/api/label-selector.ts';
import type { Flow, LabelSelector, OAuthAPISpec } from '../../src/api/oauth-api.ts';

const inventory: OAuthAPISpec = {
  audience: 'https://inventory.team-a.example',
  scopes: [{ name: 'inventory:read', description: 'Read the stock' }, { name: 'inventory:write', description: 'Change the stock' }],
  access: [
    { namespaceSelector: { matchLabels: { 'purser.dev/tenant': 'trusted' } }, scopes: ['inventory:read'], flows: ['userDelegated'] },
    { clients: [{ namespace: 'team-b', name: 'shop' }], scopes: ['inventory:read'], flows: ['userDelegated', 'clientCredentials'] },
    { clients: [{ namespace: 'team-a', name: 'stocker' }], scopes: ['inventory:read', 'inventory:write'], flows: ['clientCredentials'] },
    // A rule naming a scope the API does not define admits nothing by it.
    { clients: [{ namespace: 'team-b', name: 'shop' }], scopes: ['inventory:admin'], flows: ['clientCredentials'] },
  ],
};

const identity = (namespace: string, name: string, namespaceLabels: Record<string, string> = {}, clientId = `${name}.${namespace}`): ClientIdentity => ({ namespace, name, namespaceLabels, clientId });

/** What the server would decide for this client, after the controller compiled the API for it. */
function decide(client: ClientIdentity, api: OAuthAPISpec | undefined, requested: string[], flow: Flow): AdmissionDecision {
  const entry = api && { api: 'team-a/inventory', audience: api.audience, scopes: (api.scopes ?? []).map((s) => s.name), clients: { [client.clientId]: admittedScopes(api, client) } };
  return decideAdmission(entry, 'https://inventory.team-a.example', client.clientId, requested, flow);
}

describe('decideAdmission (client × OAuthAPI × scopes × flow)', () => {
  it.each<[string, ClientIdentity, OAuthAPISpec | undefined, string[], Flow, AdmissionDecision]>([
    ['an explicitly named client gets its scope', identity('team-b', 'shop'), inventory, ['inventory:read'], 'clientCredentials', { scopes: ['inventory:read'] }],
    ['OIDC scopes pass through, only API scopes are decided', identity('team-b', 'shop'), inventory, ['openid', 'offline_access', 'inventory:read'], 'userDelegated', { scopes: ['inventory:read'] }],
    ['a namespace selected by label gets user-delegated tokens', identity('team-c', 'web', { 'purser.dev/tenant': 'trusted' }), inventory, ['inventory:read'], 'userDelegated', { scopes: ['inventory:read'] }],
    ['requesting no API scope is admitted with none', identity('team-b', 'shop'), inventory, [], 'clientCredentials', { scopes: [] }],
    [
      'no OAuthAPI for the audience',
      identity('team-b', 'shop'),
      undefined,
      ['inventory:read'],
      'userDelegated',
      { error: 'invalid_target', reason: 'NoOAuthAPI', description: `no OAuthAPI declares the audience 'https://inventory.team-a.example'; its API team declares it with an OAuthAPI resource` },
    ],
    [
      'a client no rule selects (attack 1: another team reaching for the API)',
      identity('team-b', 'evil'),
      inventory,
      ['inventory:write'],
      'userDelegated',
      {
        error: 'invalid_target',
        reason: 'AudienceNotAdmitted',
        description: `OAuthAPI team-a/inventory does not admit client 'evil.team-b' to the audience 'https://inventory.team-a.example' for userDelegated tokens; ask its owners to add the client to spec.access`,
      },
    ],
    [
      'a label-selected namespace in a flow its rule does not name',
      identity('team-c', 'web', { 'purser.dev/tenant': 'trusted' }),
      inventory,
      ['inventory:read'],
      'clientCredentials',
      {
        error: 'invalid_target',
        reason: 'AudienceNotAdmitted',
        description: `OAuthAPI team-a/inventory does not admit client 'web.team-c' to the audience 'https://inventory.team-a.example' for clientCredentials tokens; ask its owners to add the client to spec.access`,
      },
    ],
    [
      'an admitted client asking for a scope beyond its admission',
      identity('team-b', 'shop'),
      inventory,
      ['inventory:read', 'inventory:write'],
      'userDelegated',
      {
        error: 'invalid_scope',
        reason: 'AudienceNotAdmitted',
        description:
          `OAuthAPI team-a/inventory does not admit 'inventory:write' for client 'shop.team-b' at the audience 'https://inventory.team-a.example' in userDelegated tokens (admitted: inventory:read); ask its owners to extend spec.access`,
      },
    ],
    [
      'a scope the API does not define (the rule naming it admits nothing)',
      identity('team-b', 'shop'),
      inventory,
      ['inventory:admin'],
      'clientCredentials',
      { error: 'invalid_scope', reason: 'ScopeNotDefined', description: `OAuthAPI team-a/inventory (audience 'https://inventory.team-a.example') defines no scope 'inventory:admin'` },
    ],
    [
      'a client_id alone proves nothing: the same id from another namespace is not the named client',
      identity('team-b', 'stocker', {}, 'stocker.team-a'),
      inventory,
      ['inventory:write'],
      'clientCredentials',
      {
        error: 'invalid_target',
        reason: 'AudienceNotAdmitted',
        description: `OAuthAPI team-a/inventory does not admit client 'stocker.team-a' to the audience 'https://inventory.team-a.example' for clientCredentials tokens; ask its owners to add the client to spec.access`,
      },
    ],
  ])('%s', (_label, client, api, requested, flow, expected) => {
    expect(decide(client, api, requested, flow)).toEqual(expected);
  });
});

describe('admittedScopes', () => {
  it('joins every rule that selects the client, per flow, sorted', () => {
    expect(admittedScopes(inventory, identity('team-a', 'stocker'))).toEqual({ userDelegated: [], clientCredentials: ['inventory:read', 'inventory:write'] });
    expect(admittedScopes(inventory, identity('team-b', 'shop'))).toEqual({ userDelegated: ['inventory:read'], clientCredentials: ['inventory:read'] });
  });

  it('admits nobody when the API has no access rules', () => {
    expect(admittedScopes({ audience: inventory.audience, scopes: inventory.scopes }, identity('team-a', 'stocker'))).toEqual({ userDelegated: [], clientCredentials: [] });
  });
});

describe('delegatedScopes (RFC 8693 token exchange)', () => {
  const delegating: OAuthAPISpec = {
    ...inventory,
    delegation: [
      { clients: [{ namespace: 'team-b', name: 'shop' }], scopes: ['inventory:read'] },
      { namespaceSelector: { matchLabels: { 'purser.dev/tenant': 'trusted' } }, scopes: ['inventory:write', 'inventory:admin'] },
    ],
  };

  it.each<[string, ClientIdentity, string[]]>([
    ['a client named by an entry', identity('team-b', 'shop'), ['inventory:read']],
    ['a client of a selected namespace, without the undefined scope', identity('team-c', 'any', { 'purser.dev/tenant': 'trusted' }), ['inventory:write']],
    ['a client both select: the union, sorted', identity('team-b', 'shop', { 'purser.dev/tenant': 'trusted' }), ['inventory:read', 'inventory:write']],
    ['a client no entry selects, even one spec.access admits', identity('team-a', 'stocker'), []],
  ])('%s', (_label, client, expected) => {
    expect(delegatedScopes(delegating, client)).toEqual(expected);
  });

  it('delegates nothing without spec.delegation', () => {
    expect(delegatedScopes(inventory, identity('team-b', 'shop'))).toEqual([]);
  });

  it('leaves out entries that list subjectServiceAccounts: they delegate those ServiceAccounts, not users', () => {
    const forWorkloads: OAuthAPISpec = { ...inventory, delegation: [{ clients: [{ namespace: 'team-b', name: 'shop' }], subjectServiceAccounts: [{ namespace: 'team-w', name: 'batch' }], scopes: ['inventory:read'] }] };
    expect(delegatedScopes(forWorkloads, identity('team-b', 'shop'))).toEqual([]);
  });
});

describe('delegatedByServiceAccount (RFC 8693 token exchange of a ServiceAccount token)', () => {
  const delegating: OAuthAPISpec = {
    ...inventory,
    delegation: [
      { clients: [{ namespace: 'team-b', name: 'shop' }], scopes: ['inventory:write'] },
      { clients: [{ namespace: 'team-b', name: 'shop' }], subjectServiceAccounts: [{ namespace: 'team-w', name: 'batch' }], scopes: ['inventory:read'] },
      { namespaceSelector: { matchLabels: { 'purser.dev/tenant': 'trusted' } }, subjectServiceAccounts: [{ namespace: 'team-w', name: 'batch' }, { namespace: 'team-w', name: 'cron' }], scopes: ['inventory:write', 'inventory:admin'] },
    ],
  };

  it.each<[string, ClientIdentity, Record<string, string[]>]>([
    ['a client an entry names: only that entry\'s ServiceAccounts, not the users\' entry', identity('team-b', 'shop'), { 'team-w/batch': ['inventory:read'] }],
    ['a client of a selected namespace: each ServiceAccount, without the undefined scope', identity('team-c', 'any', { 'purser.dev/tenant': 'trusted' }), { 'team-w/batch': ['inventory:write'], 'team-w/cron': ['inventory:write'] }],
    ['a client both select: the union per ServiceAccount, sorted', identity('team-b', 'shop', { 'purser.dev/tenant': 'trusted' }), { 'team-w/batch': ['inventory:read', 'inventory:write'], 'team-w/cron': ['inventory:write'] }],
    ['a client no entry selects', identity('team-a', 'stocker'), {}],
  ])('%s', (_label, client, expected) => {
    expect(delegatedByServiceAccount(delegating, client)).toEqual(expected);
  });

  it('leaves out a ServiceAccount whose entries name only undefined scopes', () => {
    const undefinedOnly: OAuthAPISpec = { ...inventory, delegation: [{ clients: [{ namespace: 'team-b', name: 'shop' }], subjectServiceAccounts: [{ namespace: 'team-w', name: 'batch' }], scopes: ['inventory:admin'] }] };
    expect(delegatedByServiceAccount(undefinedOnly, identity('team-b', 'shop'))).toEqual({});
  });
});

describe('delegatedFor and everyDelegated (the server\'s side of spec.delegation)', () => {
  const entry = {
    api: 'team-i/inventory',
    audience: 'https://inventory.test',
    scopes: ['inventory:read', 'inventory:write'],
    clients: {},
    delegation: { 'shop.team-b': ['inventory:write'] },
    serviceAccountDelegation: { 'shop.team-b': { 'team-w/batch': ['inventory:read'] } },
  };

  it.each<[string, string, string | undefined, string[]]>([
    ['a user subject: the users\' delegation', 'shop.team-b', undefined, ['inventory:write']],
    ['a ServiceAccount subject: the delegation naming it', 'shop.team-b', 'team-w/batch', ['inventory:read']],
    ['a ServiceAccount no entry names', 'shop.team-b', 'team-w/cron', []],
    ['a client without delegation', 'other.team-x', 'team-w/batch', []],
  ])('%s', (_label, clientId, serviceAccount, expected) => {
    expect(delegatedFor(entry, clientId, serviceAccount)).toEqual(expected);
  });

  it('everyDelegated joins both, sorted (what the controller checks a client\'s scopes against)', () => {
    expect(everyDelegated(entry, 'shop.team-b')).toEqual(['inventory:read', 'inventory:write']);
    expect(everyDelegated(entry, 'other.team-x')).toEqual([]);
  });
});

/** Admits the orders-worker ServiceAccount of team-b, and no OAuthClient by name. */
const orders: OAuthAPISpec = {
  audience: 'https://orders.team-a.example',
  scopes: [{ name: 'orders:read' }, { name: 'orders:write' }],
  access: [
    { serviceAccounts: [{ namespace: 'team-b', name: 'orders-worker' }], scopes: ['orders:read'], flows: ['clientCredentials'] },
    { serviceAccounts: [{ namespace: 'team-b', name: 'orders-worker' }, { namespace: 'team-c', name: 'batch' }], scopes: ['orders:write', 'orders:undefined'], flows: ['clientCredentials'] },
    { clients: [{ namespace: 'team-b', name: 'orders-ui' }], scopes: ['orders:read'], flows: ['userDelegated'] },
  ],
};

describe('admission by ServiceAccount (client × the ServiceAccount it authenticated as × OAuthAPI × scopes)', () => {
  const entry = {
    api: 'team-a/orders',
    audience: orders.audience,
    scopes: ['orders:read', 'orders:write'],
    clients: { 'orders-ui.team-b': admittedScopes(orders, identity('team-b', 'orders-ui')) },
    serviceAccounts: admittedByServiceAccount(orders),
  };
  const notAdmitted = (clientId: string): AdmissionDecision => ({
    error: 'invalid_target',
    reason: 'AudienceNotAdmitted',
    description: `OAuthAPI team-a/orders does not admit client '${clientId}' to the audience 'https://orders.team-a.example' for clientCredentials tokens; ask its owners to add the client to spec.access`,
  });

  it.each<[string, string, string[], string | undefined, AdmissionDecision]>([
    ['a client authenticated as the named ServiceAccount gets what its rules admit', 'worker.team-b', ['orders:read', 'orders:write'], 'team-b/orders-worker', { scopes: ['orders:read', 'orders:write'] }],
    ['whichever of its OAuthClients it authenticates as', 'other-client.team-b', ['orders:read'], 'team-b/orders-worker', { scopes: ['orders:read'] }],
    ['a second ServiceAccount in a rule gets only that rule', 'batch.team-c', ['orders:write'], 'team-c/batch', { scopes: ['orders:write'] }],
    [
      'beyond what the ServiceAccount is admitted to',
      'batch.team-c',
      ['orders:read'],
      'team-c/batch',
      { error: 'invalid_scope', reason: 'AudienceNotAdmitted', description: `OAuthAPI team-a/orders does not admit 'orders:read' for client 'batch.team-c' at the audience 'https://orders.team-a.example' in clientCredentials tokens (admitted: orders:write); ask its owners to extend spec.access` },
    ],
    ['the same client without a ServiceAccount token (its client secret) is not admitted', 'worker.team-b', ['orders:read'], undefined, notAdmitted('worker.team-b')],
    ['a ServiceAccount of the same name in another namespace is not admitted', 'worker.team-x', ['orders:read'], 'team-x/orders-worker', notAdmitted('worker.team-x')],
  ])('%s', (_label, clientId, requested, serviceAccount, expected) => {
    expect(decideAdmission(entry, orders.audience, clientId, requested, 'clientCredentials', serviceAccount)).toEqual(expected);
  });

  it('a ServiceAccount rule admits nothing in a flow it does not name, and by-client rules still apply', () => {
    expect(decideAdmission(entry, orders.audience, 'orders-ui.team-b', ['orders:read'], 'userDelegated', 'team-b/orders-worker')).toEqual({ scopes: ['orders:read'] });
    expect(decideAdmission(entry, orders.audience, 'worker.team-b', ['orders:read'], 'userDelegated', 'team-b/orders-worker')).toMatchObject({ error: 'invalid_target' });
  });

  it('admittedByServiceAccount joins the rules per ServiceAccount, leaving out scopes the API does not define', () => {
    expect(admittedByServiceAccount(orders)).toEqual({
      'team-b/orders-worker': { userDelegated: [], clientCredentials: ['orders:read', 'orders:write'] },
      'team-c/batch': { userDelegated: [], clientCredentials: ['orders:write'] },
    });
    expect(admittedByServiceAccount(inventory)).toEqual({});
  });
});

describe('flowOfGrant', () => {
  it.each([
    ['client_credentials', 'clientCredentials'],
    ['authorization_code', 'userDelegated'],
    ['refresh_token', 'userDelegated'],
    ['urn:ietf:params:oauth:grant-type:device_code', 'userDelegated'],
  ])('%s is %s', (grant, flow) => {
    expect(flowOfGrant(grant)).toBe(flow);
  });
});

describe('selectorMatches (metav1.LabelSelector)', () => {
  const labels = { team: 'b', tier: 'gold' };
  it.each<[string, LabelSelector, boolean]>([
    ['the empty selector matches everything', {}, true],
    ['matchLabels all hold', { matchLabels: { team: 'b', tier: 'gold' } }, true],
    ['matchLabels one differs', { matchLabels: { team: 'a' } }, false],
    ['In', { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }] }, true],
    ['In on a missing key', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['x'] }] }, false],
    ['NotIn on a missing key', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['x'] }] }, true],
    ['NotIn on a listed value', { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] }, false],
    ['Exists', { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' }] }, false],
    ['an unknown operator selects nothing', { matchExpressions: [{ key: 'team', operator: 'Near' as never }] }, false],
  ])('%s', (_label, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});
