// The OAuthAPI CRD on a real API server, through the real kubectl: valid APIs apply; what validate-api.ts refuses
// the API server refuses too, pointing at the field; `kubectl explain` documents the fields; `kubectl get oapi`
// shows the audience column.
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { API_KIND, type OAuthAPISpec } from '../../src/api/oauth-api.ts';
import { API_GROUP, API_VERSION } from '../../src/api/types.ts';
import { validateOAuthAPI } from '../../src/api/validate-api.ts';
import { kubectl as runKubectl } from '../support/kube.ts';

const namespace = `oapi-crd-${randomBytes(4).toString('hex')}`;
const kubectl = (args: string[], input?: string) => runKubectl(args, { input });
const apply = (name: string, spec: OAuthAPISpec) => kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: API_KIND, metadata: { name, namespace }, spec }));
const oneLine = (text: string) => text.replace(/\s+/g, ' ');

beforeAll(async () => {
  expect((await kubectl(['create', 'namespace', namespace])).code).toBe(0);
});

afterAll(async () => {
  await kubectl(['delete', 'oauthapis', '--all', '-n', namespace, '--wait=false']);
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
});

const orders: OAuthAPISpec = {
  audience: 'https://orders.example.com',
  displayName: 'Orders API',
  scopes: [{ name: 'orders:read', description: 'See your orders' }],
  accessToken: { format: 'opaque', ttl: '10m' },
  access: [
    { clients: [{ namespace: 'shop', name: 'web' }], scopes: ['orders:read'], flows: ['userDelegated'] },
    { namespaceSelector: { matchExpressions: [{ key: 'tenant', operator: 'In', values: ['gold'] }] }, scopes: ['orders:read'], flows: ['clientCredentials'] },
    { serviceAccounts: [{ namespace: 'shop', name: 'orders-worker' }], scopes: ['orders:read'], flows: ['clientCredentials'] },
  ],
  resourceServers: [{ namespace: 'orders', name: 'backend' }],
  delegation: [
    { clients: [{ namespace: 'shop', name: 'checkout' }], namespaceSelector: { matchLabels: { tier: 'internal' } }, scopes: ['orders:read'] },
    { clients: [{ namespace: 'shop', name: 'gateway' }], subjectServiceAccounts: [{ namespace: 'jobs', name: 'batch' }], scopes: ['orders:read'] },
  ],
};

describe('OAuthAPI CRD', () => {
  it('applies a complete API, and kubectl get oapi shows its audience', async () => {
    expect(validateOAuthAPI(orders)).toBeUndefined();
    const applied = await apply('orders', orders);
    expect(applied.stderr).toBe('');
    const got = await kubectl(['get', 'oapi', 'orders', '-n', namespace]);
    expect(got.stdout.split('\n')[0]).toMatch(/^NAME\s+AUDIENCE\s+ADMITTED\s+READY\s+REASON\s+AGE$/);
    expect(got.stdout).toContain('https://orders.example.com');
  });

  // [what is wrong, spec, what the API server says (after the field path)]
  it.each<[string, OAuthAPISpec, string]>([
    ['a relative audience', { audience: '/orders' }, 'spec.audience: Invalid value: "string": audience must be an absolute URI without a fragment'],
    ['an OpenID Connect scope', { audience: 'urn:x', scopes: [{ name: 'email' }] }, 'spec.scopes[0].name: Invalid value: "string": OpenID Connect scopes belong to the server, not to an API'],
    ['a rule selecting nobody', { audience: 'urn:x', scopes: [{ name: 'a' }], access: [{ scopes: ['a'], flows: ['userDelegated'] }] }, 'spec.access[0].clients: Required value: select clients with namespaceSelector, clients or serviceAccounts'],
    ['a rule naming an undefined scope', { audience: 'urn:x', scopes: [{ name: 'a' }], access: [{ clients: [{ namespace: 'n', name: 'c' }], scopes: ['b'], flows: ['userDelegated'] }] }, 'spec.access: Invalid value: "object": access: every scope of a rule must be defined in spec.scopes'],
    ['In without values', { audience: 'urn:x', scopes: [{ name: 'a' }], access: [{ namespaceSelector: { matchExpressions: [{ key: 'k', operator: 'In' }] }, scopes: ['a'], flows: ['userDelegated'] }] }, 'spec.access[0].namespaceSelector.matchExpressions[0].values: Invalid value: "object": In and NotIn need values; Exists and DoesNotExist take none'],
    ['a delegation entry selecting nobody', { audience: 'urn:x', scopes: [{ name: 'a' }], delegation: [{ scopes: ['a'] }] }, 'spec.delegation[0].clients: Required value: select clients with namespaceSelector or clients'],
    ['a delegation entry naming an undefined scope', { audience: 'urn:x', scopes: [{ name: 'a' }], delegation: [{ clients: [{ namespace: 'n', name: 'c' }], scopes: ['b'] }] }, 'spec.delegation: Invalid value: "object": delegation: every scope of an entry must be defined in spec.scopes'],
    ['a subject ServiceAccount without namespace', { audience: 'urn:x', scopes: [{ name: 'a' }], delegation: [{ clients: [{ namespace: 'n', name: 'c' }], subjectServiceAccounts: [{ name: 'batch' } as never], scopes: ['a'] }] }, 'spec.delegation[0].subjectServiceAccounts[0].namespace: Required value'],
    ['an unknown flow', { audience: 'urn:x', scopes: [{ name: 'a' }], access: [{ clients: [{ namespace: 'n', name: 'c' }], scopes: ['a'], flows: ['password' as never] }] }, 'spec.access[0].flows[0]: Unsupported value: "password": supported values: "userDelegated", "clientCredentials"'],
  ])('refuses %s at apply time, as validate-api.ts does', async (label, spec, message) => {
    expect(validateOAuthAPI(spec)).toEqual({ reason: 'InvalidSpec', message: expect.any(String) });
    const applied = await apply(label.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, ''), spec);
    expect(applied.code).not.toBe(0);
    expect(oneLine(applied.stderr)).toContain(message);
  });

  it('documents every field for kubectl explain', async () => {
    const explained = await kubectl(['explain', 'oauthapi.spec.access.flows']);
    expect(oneLine(explained.stdout)).toContain('userDelegated (a user signs in: authorization code, refresh and device flows)');
    const resourceServers = await kubectl(['explain', 'oauthapi.spec.resourceServers']);
    expect(oneLine(resourceServers.stdout)).toContain('may introspect this API\'s tokens (RFC 7662)');
    const delegation = await kubectl(['explain', 'oauthapi.spec.delegation']);
    expect(oneLine(delegation.stdout)).toContain('Who may exchange a user\'s access token for a token for this API (RFC 8693 token exchange');
    const subjects = await kubectl(['explain', 'oauthapi.spec.delegation.subjectServiceAccounts']);
    expect(oneLine(subjects.stdout)).toContain('ServiceAccounts whose tokens the selected clients may exchange (subject_token_type urn:ietf:params:oauth:token-type:jwt');
  });
});
