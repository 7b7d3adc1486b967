// client_ids named like members of every JavaScript object (`__proto__`, `constructor`): spec.clientId is the
// tenant's to choose, so the controller's maps by client_id must hold them as any other id, through the OAuthAPI
// record, the API catalog and a client's AudiencesAdmitted condition.
import { describe, expect, it } from 'vitest';

import { admittedInFlow, delegatedFor } from '../../../src/api/admission.ts';
import type { OAuthAPIResource } from '../../../src/controller/apis/kube.ts';
import { toApiRecord } from '../../../src/controller/apis/record.ts';
import type { OAuthClientResource } from '../../../src/controller/kube.ts';
import { reconcile } from '../../../src/controller/reconcile/index.ts';
import { createMemoryStore } from '../../../src/store/memory/index.ts';
import type { ApiRecord } from '../../../src/store/types.ts';
import { FakeCluster, oauthClient, testContext } from './fakes.ts';

const AUDIENCE = 'https://orders.test';
const ODD_IDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

const orders: OAuthAPIResource = {
  apiVersion: 'purser.dev/v1alpha1',
  kind: 'OAuthAPI',
  metadata: { namespace: 'orders', name: 'orders' },
  spec: {
    audience: AUDIENCE,
    scopes: [{ name: 'orders:read' }],
    access: [{ namespaceSelector: {}, scopes: ['orders:read'], flows: ['clientCredentials'] }],
    delegation: [{ namespaceSelector: {}, scopes: ['orders:read'] }],
  },
};

const client = (clientId: string): OAuthClientResource => ({ apiVersion: 'purser.dev/v1alpha1', kind: 'OAuthClient', metadata: { namespace: 'shop', name: clientId.replace(/_/g, 'x').toLowerCase() }, spec: { clientId, audiences: [AUDIENCE] } });

describe('client_ids named like Object members', () => {
  it('each gets its own entry in the OAuthAPI record, which the API catalog stores and gives back', async () => {
    const { record } = toApiRecord(orders, ODD_IDS.map(client), () => ({}));
    expect(Object.getPrototypeOf(record.clients)).toBe(Object.prototype);
    for (const id of ODD_IDS) {
      expect(Object.hasOwn(record.clients, id), id).toBe(true);
      expect(admittedInFlow(record, id, 'clientCredentials'), id).toEqual(['orders:read']);
      expect(delegatedFor(record, id), id).toEqual(['orders:read']);
    }
    const store = createMemoryStore();
    await store.apis.put(record);
    const stored = (await store.apis.get(AUDIENCE))!;
    expect(Object.keys(stored.clients).sort()).toEqual([...ODD_IDS].sort());
    expect(admittedInFlow(stored, '__proto__', 'clientCredentials')).toEqual(['orders:read']);
  });

  it('a client whose client_id is `constructor`, not admitted by the API, is AudiencesAdmitted=False, not admitted by what every object inherits', async () => {
    const none: ApiRecord = { api: 'orders/orders', audience: AUDIENCE, scopes: ['orders:read'], clients: {}, descriptions: {}, resourceServers: [] };
    const cluster = new FakeCluster([oauthClient('app', { clientId: 'constructor', grantTypes: ['client_credentials'], scopes: ['orders:read'], audiences: [AUDIENCE] })]);
    const ctx = testContext({ cluster });
    await ctx.store.apis.put(none);
    await reconcile(ctx, 'team/app');
    const status = cluster.clients.get('team/app')?.status;
    expect(status?.conditions?.find((condition) => condition.type === 'AudiencesAdmitted')).toMatchObject({ status: 'False', reason: 'AudienceNotAdmitted' });
    expect(status?.audiences).toEqual([{ audience: AUDIENCE, oauthAPI: 'orders/orders', userDelegated: [], clientCredentials: [], notAdmitted: ['orders:read'] }]);
  });
});
