// OAuthAPI validation: each rule, with the message a user sees.
import { describe, expect, it } from 'vitest';

import type { OAuthAPISpec } from '../../src/api/oauth-api.ts';
import { validateOAuthAPI } from '../../src/api/validate-api.ts';

const base: OAuthAPISpec = {
  audience: 'https://orders.example',
  scopes: [{ name: 'orders:read', description: 'Read orders' }],
  access: [{ clients: [{ namespace: 'shop', name: 'web' }], scopes: ['orders:read'], flows: ['userDelegated'] }],
};

describe('validateOAuthAPI', () => {
  it('accepts an API with a rule by client and one by namespace label', () => {
    expect(validateOAuthAPI({ ...base, access: [...base.access!, { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] }, scopes: ['orders:read'], flows: ['clientCredentials'] }] })).toBeUndefined();
  });

  it('accepts delegation entries by client and by namespace label (RFC 8693 token exchange)', () => {
    expect(validateOAuthAPI({ ...base, delegation: [{ clients: [{ namespace: 'mail', name: 'notifier' }], namespaceSelector: {}, scopes: ['orders:read'] }] })).toBeUndefined();
    expect(validateOAuthAPI({ ...base, delegation: [{ clients: [{ namespace: 'mail', name: 'notifier' }], subjectServiceAccounts: [{ namespace: 'batch', name: 'nightly' }], scopes: ['orders:read'] }] })).toBeUndefined();
  });

  it('accepts a rule by ServiceAccount alone', () => {
    expect(validateOAuthAPI({ ...base, access: [{ serviceAccounts: [{ namespace: 'shop', name: 'orders-worker' }], scopes: ['orders:read'], flows: ['clientCredentials'] }] })).toBeUndefined();
  });

  it('accepts the smallest API: an audience', () => {
    expect(validateOAuthAPI({ audience: 'urn:example:orders' })).toBeUndefined();
  });

  it.each<[string, OAuthAPISpec, string]>([
    ['no audience', { audience: '' }, 'audience is required: the URI clients send as resource (RFC 8707) and tokens carry as aud'],
    ['a relative audience', { audience: '/orders' }, 'audience: "/orders" is not an absolute URI'],
    ['an audience with a fragment', { audience: 'https://orders.example/#x' }, 'audience: "https://orders.example/#x" must not contain a fragment'],
    ['a scope with a space', { ...base, scopes: [{ name: 'orders read' }] }, 'scopes: "orders read" is not a valid scope token'],
    ['an OpenID Connect scope', { ...base, scopes: [{ name: 'email' }] }, 'scopes: "email" is an OpenID Connect scope; those belong to the server, not to an API'],
    ['a scope defined twice', { ...base, scopes: [{ name: 'orders:read' }, { name: 'orders:read' }] }, 'scopes: "orders:read" is defined twice'],
    ['a rule selecting nobody', { ...base, access: [{ scopes: ['orders:read'], flows: ['userDelegated'] }] }, 'access[0]: select clients with namespaceSelector, clients or serviceAccounts'],
    ['a rule without flows', { ...base, access: [{ clients: [{ namespace: 'a', name: 'b' }], scopes: ['orders:read'], flows: [] }] }, 'access[0].flows: name at least one of userDelegated, clientCredentials'],
    ['an unknown flow', { ...base, access: [{ clients: [{ namespace: 'a', name: 'b' }], scopes: ['orders:read'], flows: ['password' as never] }] }, 'access[0].flows: "password" is not one of userDelegated, clientCredentials'],
    ['a rule without scopes', { ...base, access: [{ clients: [{ namespace: 'a', name: 'b' }], scopes: [], flows: ['userDelegated'] }] }, 'access[0].scopes: name at least one scope'],
    ['a rule naming an undefined scope', { ...base, access: [{ clients: [{ namespace: 'a', name: 'b' }], scopes: ['orders:write'], flows: ['userDelegated'] }] }, 'access[0].scopes: "orders:write" is not defined in spec.scopes'],
    ['In without values', { ...base, access: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In' }] }, scopes: ['orders:read'], flows: ['userDelegated'] }] }, 'access[0].namespaceSelector: operator "In" on "team" needs values (operators: In, NotIn, Exists, DoesNotExist)'],
    ['a client without namespace', { ...base, access: [{ clients: [{ name: 'b' } as never], scopes: ['orders:read'], flows: ['userDelegated'] }] }, 'access[0].clients: each client needs namespace and name'],
    ['a ServiceAccount without namespace', { ...base, access: [{ serviceAccounts: [{ name: 'w' } as never], scopes: ['orders:read'], flows: ['clientCredentials'] }] }, 'access[0].serviceAccounts: each ServiceAccount needs namespace and name'],
    ['a resource server without name', { ...base, resourceServers: [{ namespace: 'a' } as never] }, 'resourceServers: each client needs namespace and name'],
    ['a delegation entry selecting nobody', { ...base, delegation: [{ scopes: ['orders:read'] }] }, 'delegation[0]: select clients with namespaceSelector or clients'],
    ['a delegation entry without scopes', { ...base, delegation: [{ clients: [{ namespace: 'a', name: 'b' }], scopes: [] }] }, 'delegation[0].scopes: name at least one scope'],
    ['a delegation entry naming an undefined scope', { ...base, delegation: [{ clients: [{ namespace: 'a', name: 'b' }], scopes: ['orders:write'] }] }, 'delegation[0].scopes: "orders:write" is not defined in spec.scopes'],
    ['a delegation entry with a client without name', { ...base, delegation: [{ clients: [{ namespace: 'a' } as never], scopes: ['orders:read'] }] }, 'delegation[0].clients: each client needs namespace and name'],
    ['a delegation entry with a subject ServiceAccount without namespace', { ...base, delegation: [{ clients: [{ namespace: 'a', name: 'b' }], subjectServiceAccounts: [{ name: 'batch' } as never], scopes: ['orders:read'] }] }, 'delegation[0].subjectServiceAccounts: each ServiceAccount needs namespace and name'],
    ['an unknown token format', { ...base, accessToken: { format: 'paseto' as never } }, 'accessToken.format must be jwt or opaque'],
    ['a malformed token lifetime', { ...base, accessToken: { ttl: 'an hour' } }, 'accessToken.ttl: "an hour" is not a duration such as 90s, 15m, 1h or 14d'],
  ])('refuses %s', (_label, spec, message) => {
    expect(validateOAuthAPI(spec)).toEqual({ reason: 'InvalidSpec', message });
  });
});
