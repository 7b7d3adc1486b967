// Which OAuthAPIs a client or namespace event queues, and which clients a new API record queues: only those whose
// admission can have moved (a client event used to queue every API, and an API every client of its audience).
import { describe, expect, it } from 'vitest';

import type { V1Namespace } from '@kubernetes/client-node';

import { changedClientIds } from '../../../src/controller/apis/changed-clients.ts';
import { apiRequeuer } from '../../../src/controller/apis/concerned.ts';
import type { OAuthAPIResource } from '../../../src/controller/apis/kube.ts';
import type { OAuthClientResource } from '../../../src/controller/kube.ts';
import type { ApiRecord } from '../../../src/store/types.ts';

const api = (name: string, audience: string, extra: Partial<OAuthAPIResource['spec']> = {}): OAuthAPIResource => ({
  apiVersion: 'purser.dev/v1alpha1',
  kind: 'OAuthAPI',
  metadata: { namespace: 'apis', name },
  spec: { audience, scopes: [{ name: 'read' }], access: [{ clients: [{ namespace: 'shop', name: 'web' }], scopes: ['read'], flows: ['clientCredentials'] }], ...extra },
});
const orders = api('orders', 'https://orders.test');
const billing = api('billing', 'https://billing.test', { resourceServers: [{ namespace: 'shop', name: 'web' }] });
const labelled = api('labelled', 'https://labelled.test', { access: [{ namespaceSelector: { matchLabels: { tier: 'internal' } }, scopes: ['read'], flows: ['clientCredentials'] }] });

const client = (name: string, audiences: string[], extra: Partial<OAuthClientResource['spec']> = {}): OAuthClientResource => ({
  apiVersion: 'purser.dev/v1alpha1',
  kind: 'OAuthClient',
  metadata: { namespace: 'shop', name },
  spec: { audiences, ...extra },
});

function recorder(apis: OAuthAPIResource[] = [orders, billing, labelled]) {
  const queued: string[] = [];
  const requeue = apiRequeuer(() => apis, (found) => queued.push(found.metadata.name));
  return { requeue, queued, take: () => queued.splice(0).sort() };
}

describe('apiRequeuer', () => {
  it('queues the APIs whose audience a new client lists, and those naming it as a resource server', () => {
    const { requeue, take } = recorder();
    requeue.clientChanged(client('api', ['https://orders.test']));
    expect(take()).toEqual(['orders']);
    requeue.clientChanged(client('web', []));
    expect(take()).toEqual(['billing']);
  });

  it('queues nothing for an update that keeps the client_id and audiences (a status or label change)', () => {
    const { requeue, take } = recorder();
    requeue.clientChanged(client('api', ['https://orders.test']));
    take();
    requeue.clientChanged(client('api', ['https://orders.test'], { displayName: 'renamed', scopes: ['read'] }));
    expect(take()).toEqual([]);
  });

  it('queues the APIs of the audiences before and after a change, and on a client_id change', () => {
    const { requeue, take } = recorder();
    requeue.clientChanged(client('api', ['https://orders.test']));
    take();
    requeue.clientChanged(client('api', ['https://labelled.test']));
    expect(take()).toEqual(['labelled', 'orders']);
    requeue.clientChanged(client('api', ['https://labelled.test'], { clientId: 'custom.shop' }));
    expect(take()).toEqual(['labelled']);
  });

  it('queues the APIs of a deleted client, including an audience only the last seen version listed', () => {
    const { requeue, take } = recorder();
    requeue.clientChanged(client('api', ['https://orders.test']));
    take();
    requeue.clientDeleted(client('api', []));
    expect(take()).toEqual(['orders']);
  });

  it('queues the APIs selecting by namespace labels when a namespace appears, changes its labels or goes', () => {
    const { requeue, take } = recorder();
    const namespace = (labels: Record<string, string>): V1Namespace => ({ metadata: { name: 'shop', labels } });
    requeue.namespaceChanged(namespace({ tier: 'internal' }));
    expect(take()).toEqual(['labelled']);
    requeue.namespaceChanged(namespace({ tier: 'internal' }));
    expect(take()).toEqual([]);
    requeue.namespaceChanged(namespace({}));
    expect(take()).toEqual(['labelled']);
    requeue.namespaceDeleted(namespace({}));
    expect(take()).toEqual(['labelled']);
  });
});

describe('changedClientIds', () => {
  const record = (clients: ApiRecord['clients'], extra: Partial<ApiRecord> = {}): ApiRecord => ({
    api: 'apis/orders',
    audience: 'https://orders.test',
    scopes: ['read', 'write'],
    clients,
    descriptions: {},
    resourceServers: [],
    ...extra,
  });
  const read = { userDelegated: [], clientCredentials: ['read'] };
  const both = { userDelegated: [], clientCredentials: ['read', 'write'] };

  it('names only the client_ids whose admission was added, changed or removed', () => {
    const before = record({ a: read, b: read, c: read });
    expect(changedClientIds(before, record({ a: read, b: both, d: read }))).toEqual(new Set(['b', 'c', 'd']));
    expect(changedClientIds(before, record({ a: read, b: read, c: read }, { resourceServers: ['a'], descriptions: { read: 'Read' } }))).toEqual(new Set());
  });

  it('is undefined (every client of the audience) for a new record, another holder or other defined scopes', () => {
    const before = record({ a: read });
    expect(changedClientIds(undefined, before)).toBeUndefined();
    expect(changedClientIds(before, record({ a: read }, { api: 'other/orders' }))).toBeUndefined();
    expect(changedClientIds(before, record({ a: read }, { scopes: ['read'] }))).toBeUndefined();
  });
});
