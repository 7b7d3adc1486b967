// The AudiencesAdmitted condition of a client that exchanges tokens (RFC 8693): an OAuthAPI's spec.delegation admits
// it as spec.access admits other clients, and a scope it obtains by exchange is wanted from the API delegating it,
// not from every API that defines the name.
import { describe, expect, it } from 'vitest';

import { TOKEN_EXCHANGE_GRANT, type OAuthClientSpec } from '../../../src/api/types.ts';
import { reconcile } from '../../../src/controller/reconcile/index.ts';
import type { ApiRecord } from '../../../src/store/types.ts';
import { FakeCluster, oauthClient, testContext } from './fakes.ts';

const ORDERS = 'https://orders.test';
const INVENTORY = 'https://inventory.test';

const record = (api: string, audience: string, scopes: string[], rest: Partial<ApiRecord> = {}): ApiRecord => ({ api, audience, scopes, clients: {}, descriptions: {}, resourceServers: [], ...rest });
// The orders API defines inventory:read for its users to consent to; it admits app.team for orders:read only.
const orders = record('team-o/orders', ORDERS, ['orders:read', 'inventory:read'], { clients: { 'app.team': { userDelegated: [], clientCredentials: ['orders:read'] } } });

async function audiencesAdmitted(spec: OAuthClientSpec, inventory: ApiRecord) {
  const cluster = new FakeCluster([oauthClient('app', spec)]);
  const ctx = testContext({ cluster });
  await ctx.store.apis.put(orders);
  await ctx.store.apis.put(inventory);
  await reconcile(ctx, 'team/app');
  return cluster.clients.get('team/app')?.status?.conditions?.find((condition) => condition.type === 'AudiencesAdmitted');
}

const exchanger: OAuthClientSpec = { grantTypes: ['client_credentials', TOKEN_EXCHANGE_GRANT], scopes: ['orders:read', 'inventory:read'], audiences: [ORDERS, INVENTORY] };
const delegating = record('team-i/inventory', INVENTORY, ['inventory:read'], { delegation: { 'app.team': ['inventory:read'] } });

describe('AudiencesAdmitted for a token-exchange client', () => {
  it('is True when the target API delegates the scope, though another API defines the same name', async () => {
    expect(await audiencesAdmitted(exchanger, delegating)).toMatchObject({ status: 'True' });
  });

  it("is True when only an entry for a ServiceAccount's tokens (subjectServiceAccounts) delegates the scope", async () => {
    const forWorkloads = record('team-i/inventory', INVENTORY, ['inventory:read'], { serviceAccountDelegation: { 'app.team': { 'jobs/batch': ['inventory:read'] } } });
    expect(await audiencesAdmitted(exchanger, forWorkloads)).toMatchObject({ status: 'True' });
  });

  it('is False without the grant type: a delegation admits only clients that exchange', async () => {
    expect(await audiencesAdmitted({ ...exchanger, grantTypes: ['client_credentials'] }, delegating)).toMatchObject({ status: 'False', reason: 'AudienceNotAdmitted' });
  });

  it('is False, pointing at spec.delegation, when the target API delegates nothing to the client', async () => {
    const condition = await audiencesAdmitted(exchanger, record('team-i/inventory', INVENTORY, ['inventory:read']));
    expect(condition).toMatchObject({ status: 'False', reason: 'AudienceNotAdmitted' });
    expect(condition?.message).toBe(`OAuthAPI team-o/orders does not admit inventory:read for the audience "${ORDERS}" (clientCredentials, tokenExchange); ask its owners to add this client to spec.access or spec.delegation`);
  });
});
