// The OAuthAPI reconciler's pure parts: who holds an audience, and the catalog record an API becomes.
import { describe, expect, it } from 'vitest';

import { audienceHolder } from '../../../src/controller/apis/claim.ts';
import type { OAuthAPIResource } from '../../../src/controller/apis/kube.ts';
import { toApiRecord } from '../../../src/controller/apis/record.ts';
import type { OAuthClientResource } from '../../../src/controller/kube.ts';

const api = (namespace: string, name: string, created: string, audience = 'https://orders.test', deleting = false): OAuthAPIResource => ({
  apiVersion: 'purser.dev/v1alpha1',
  kind: 'OAuthAPI',
  metadata: { namespace, name, creationTimestamp: created as never, ...(deleting ? { deletionTimestamp: '2026-01-02T00:00:00Z' as never } : {}) },
  spec: {
    audience,
    displayName: 'Orders',
    scopes: [{ name: 'orders:read', description: 'See orders' }, { name: 'orders:write' }],
    accessToken: { format: 'opaque', ttl: '5m' },
    access: [
      { clients: [{ namespace: 'shop', name: 'web' }], scopes: ['orders:read'], flows: ['userDelegated'] },
      { namespaceSelector: { matchLabels: { tier: 'internal' } }, scopes: ['orders:read', 'orders:write'], flows: ['clientCredentials'] },
    ],
    resourceServers: [{ namespace: 'orders', name: 'backend' }, { namespace: 'orders', name: 'missing' }],
  },
});

const client = (namespace: string, name: string, audiences: string[] = ['https://orders.test']): OAuthClientResource => ({ apiVersion: 'purser.dev/v1alpha1', kind: 'OAuthClient', metadata: { namespace, name }, spec: { audiences } });

describe('audienceHolder', () => {
  it('is the oldest claimant, then the first by namespace/name; claimants being deleted do not count', () => {
    const older = api('b', 'orders', '2026-01-01T00:00:00Z');
    const sameSecond = api('a', 'orders', '2026-01-01T00:00:00Z');
    const newer = api('c', 'orders', '2026-01-03T00:00:00Z');
    expect(audienceHolder([newer, older], 'https://orders.test')).toBe(older);
    expect(audienceHolder([older, sameSecond, newer], 'https://orders.test')).toBe(sameSecond);
    expect(audienceHolder([api('a', 'orders', '2025-01-01T00:00:00Z', 'https://orders.test', true), newer], 'https://orders.test')).toBe(newer);
    expect(audienceHolder([newer], 'https://other.test')).toBeUndefined();
  });
});

describe('toApiRecord', () => {
  it('admits, by client_id, the clients that list the audience and that a rule selects; resource servers that exist', () => {
    const clients = [client('shop', 'web'), client('ops', 'job'), client('ops', 'unlisted', []), client('other', 'job'), client('orders', 'backend', [])];
    const { record, admitted } = toApiRecord(api('orders', 'orders', '2026-01-01T00:00:00Z'), clients, (namespace): Record<string, string> => (namespace === 'ops' ? { tier: 'internal' } : {}));
    expect(record).toEqual({
      api: 'orders/orders',
      audience: 'https://orders.test',
      scopes: ['orders:read', 'orders:write'],
      clients: {
        'web.shop': { userDelegated: ['orders:read'], clientCredentials: [] },
        'job.ops': { userDelegated: [], clientCredentials: ['orders:read', 'orders:write'] },
      },
      descriptions: { 'orders:read': 'See orders' },
      displayName: 'Orders',
      accessToken: { format: 'opaque', ttl: 300 },
      resourceServers: ['backend.orders'],
    });
    expect(admitted.map((entry) => `${entry.namespace}/${entry.name}`)).toEqual(['ops/job', 'shop/web']);
  });

  it('records, by client_id, the scopes spec.delegation lets a listing client obtain by token exchange (RFC 8693), and lists the client as admitted', () => {
    const orders = api('orders', 'orders', '2026-01-01T00:00:00Z');
    orders.spec.delegation = [{ clients: [{ namespace: 'mail', name: 'notifier' }, { namespace: 'mail', name: 'unlisted' }], scopes: ['orders:read', 'orders:undefined'] }];
    const { record, admitted } = toApiRecord(orders, [client('mail', 'notifier'), client('mail', 'unlisted', [])], () => ({}));
    expect(record.delegation).toEqual({ 'notifier.mail': ['orders:read'] });
    expect(record.clients['notifier.mail']).toEqual({ userDelegated: [], clientCredentials: [] });
    expect(admitted).toEqual([{ namespace: 'mail', name: 'notifier', clientId: 'notifier.mail', userDelegated: [], clientCredentials: [], delegated: ['orders:read'] }]);
  });

  it('records, by client_id and ServiceAccount, what entries with subjectServiceAccounts delegate (a ServiceAccount token as subject_token), apart from users\' tokens', () => {
    const orders = api('orders', 'orders', '2026-01-01T00:00:00Z');
    orders.spec.delegation = [{ clients: [{ namespace: 'mail', name: 'notifier' }], subjectServiceAccounts: [{ namespace: 'jobs', name: 'batch' }], scopes: ['orders:read'] }];
    const { record, admitted } = toApiRecord(orders, [client('mail', 'notifier')], () => ({}));
    expect(record.serviceAccountDelegation).toEqual({ 'notifier.mail': { 'jobs/batch': ['orders:read'] } });
    expect(record.delegation).toBeUndefined();
    expect(admitted).toEqual([{ namespace: 'mail', name: 'notifier', clientId: 'notifier.mail', userDelegated: [], clientCredentials: [], delegatedServiceAccounts: [{ namespace: 'jobs', name: 'batch', scopes: ['orders:read'] }] }]);
  });
});
