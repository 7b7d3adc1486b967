// OAuthAPIs through the real kube-apiserver, with the controller running as the chart's ServiceAccount and a real
// Redis: an API's admission rules land in the API catalog by audience (by explicit client and by namespace label),
// its status lists the clients it admits, a second claimant of an audience reports AudienceConflict while the
// first keeps it, and deleting the holder removes its record (and hands the audience to the next claimant).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';

import { API_KIND, type OAuthAPI, type OAuthAPISpec } from '../../src/api/oauth-api.ts';
import { API_GROUP, API_VERSION, KIND, type OAuthClientSpec } from '../../src/api/types.ts';
import type { RunningController } from '../../src/controller/index.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import type { Store } from '../../src/store/types.ts';
import { controllerKubeconfig, createNamespace, kubectl, kubectlOk, startTestController, waitFor } from '../support/kube.ts';
import { uniquePrefix } from '../support/redis.ts';

const AUDIENCE = `https://inventory-${Date.now()}.test`;

let teamA: string;
let teamB: string;
let controller: RunningController;
let store: Store;

const oauthApi = (name: string, spec: OAuthAPISpec) => stringify({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: API_KIND, metadata: { name }, spec });
const oauthClient = (name: string, spec: OAuthClientSpec) => stringify({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, metadata: { name }, spec });
const apply = (namespace: string, manifest: string) => kubectlOk(['apply', '-n', namespace, '-f', '-'], { input: manifest });
const readApi = async (namespace: string, name: string) => JSON.parse(await kubectlOk(['get', 'oauthapi', name, '-n', namespace, '-o', 'json'])) as OAuthAPI & { metadata: { finalizers?: string[] } };
const readyOf = (api: OAuthAPI) => api.status?.conditions?.find((condition) => condition.type === 'Ready');

const inventory = (access: OAuthAPISpec['access']): OAuthAPISpec => ({
  audience: AUDIENCE,
  scopes: [
    { name: 'inventory:read', description: 'Read the stock' },
    { name: 'inventory:write', description: 'Change the stock' },
  ],
  access,
});

beforeAll(async () => {
  teamA = await createNamespace('oapi-team-a');
  teamB = await createNamespace('oapi-team-b');
  const prefix = uniquePrefix('oapi');
  store = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix });
  const kubeconfig = await controllerKubeconfig(teamA);
  controller = await startTestController({ kubeconfig, prefix, issuer: 'http://127.0.0.1:1', namespaces: [teamA, teamB] });
  await apply(teamB, oauthClient('shop', { audiences: [AUDIENCE], scopes: ['inventory:read'] }));
  await apply(teamB, oauthClient('labelled', { audiences: [AUDIENCE], scopes: ['inventory:read'] }));
});

afterAll(async () => {
  for (const namespace of [teamA, teamB]) {
    await kubectl(['delete', 'oauthapis,oauthclients', '--all', '-n', namespace, '--wait=true', '--timeout=20s']);
  }
  await controller?.stop();
  await store?.close();
});

describe('OAuthAPI controller', () => {
  it('writes the API record by audience, admitting the named client in the flows its rule names, and lists it in status', async () => {
    await apply(teamA, oauthApi('inventory', inventory([{ clients: [{ namespace: teamB, name: 'shop' }], scopes: ['inventory:read'], flows: ['clientCredentials'] }])));
    const record = await waitFor('the API record', async () => (await store.apis.get(AUDIENCE))?.clients[`shop.${teamB}`] && store.apis.get(AUDIENCE));
    expect(record).toMatchObject({
      api: `${teamA}/inventory`,
      audience: AUDIENCE,
      scopes: ['inventory:read', 'inventory:write'],
      clients: { [`shop.${teamB}`]: { userDelegated: [], clientCredentials: ['inventory:read'] } },
      descriptions: { 'inventory:read': 'Read the stock', 'inventory:write': 'Change the stock' },
    });
    expect(record!.clients[`labelled.${teamB}`]).toBeUndefined();
    const api = await waitFor('status', async () => {
      const found = await readApi(teamA, 'inventory');
      return readyOf(found)?.status === 'True' && found;
    });
    expect(api.status?.admittedClients).toEqual([{ namespace: teamB, name: 'shop', clientId: `shop.${teamB}`, userDelegated: [], clientCredentials: ['inventory:read'] }]);
    expect(api.metadata.finalizers ?? []).toContain('purser.dev/remove-api');
  });

  it('the OAuthClient status shows, per audience, what is admitted, and AudienceNotAdmitted naming the OAuthAPI for the rest', async () => {
    type ClientStatus = { audiences?: unknown[]; conditions?: { type: string; status: string; reason: string; message: string }[] };
    const readClient = async (name: string) => (JSON.parse(await kubectlOk(['get', 'oauthclient', name, '-n', teamB, '-o', 'json'])) as { status?: ClientStatus }).status;
    const shop = await waitFor('shop admitted', async () => {
      const status = await readClient('shop');
      return status?.conditions?.find((c) => c.type === 'AudiencesAdmitted')?.status === 'True' && status;
    });
    expect(shop.audiences).toEqual([{ audience: AUDIENCE, oauthAPI: `${teamA}/inventory`, userDelegated: [], clientCredentials: ['inventory:read'] }]);
    const labelled = await waitFor('labelled not admitted', async () => {
      const status = await readClient('labelled');
      return status?.conditions?.find((c) => c.type === 'AudiencesAdmitted')?.reason === 'AudienceNotAdmitted' && status;
    });
    expect(labelled.conditions?.find((c) => c.type === 'AudiencesAdmitted')).toMatchObject({
      status: 'False',
      message: `OAuthAPI ${teamA}/inventory does not admit inventory:read for the audience "${AUDIENCE}" (clientCredentials); ask its owners to add this client to spec.access`,
    });
    expect(labelled.audiences).toEqual([{ audience: AUDIENCE, oauthAPI: `${teamA}/inventory`, userDelegated: [], clientCredentials: [], notAdmitted: ['inventory:read'] }]);
  });

  it('admits by namespace label once the namespace carries it (a Namespace watch, not a restart)', async () => {
    await apply(
      teamA,
      oauthApi(
        'inventory',
        inventory([
          { clients: [{ namespace: teamB, name: 'shop' }], scopes: ['inventory:read'], flows: ['clientCredentials'] },
          { namespaceSelector: { matchLabels: { 'inventory.test/partner': 'gold' } }, scopes: ['inventory:read'], flows: ['userDelegated'] },
        ]),
      ),
    );
    await kubectlOk(['label', 'namespace', teamB, 'inventory.test/partner=gold', '--overwrite']);
    const record = await waitFor('the labelled namespace admitted', async () => {
      const found = await store.apis.get(AUDIENCE);
      return found?.clients[`labelled.${teamB}`] && found;
    });
    expect(record.clients[`labelled.${teamB}`]).toEqual({ userDelegated: ['inventory:read'], clientCredentials: [] });
    expect(record.clients[`shop.${teamB}`]).toEqual({ userDelegated: ['inventory:read'], clientCredentials: ['inventory:read'] });
    await kubectlOk(['label', 'namespace', teamB, 'inventory.test/partner-']);
    await waitFor('the label removed, the admission gone', async () => (await store.apis.get(AUDIENCE))?.clients[`labelled.${teamB}`] === undefined);
  });

  it('a second OAuthAPI claiming the audience reports AudienceConflict and the first keeps it; deleting the first hands it over', async () => {
    await apply(teamB, oauthApi('impostor', inventory([{ clients: [{ namespace: teamB, name: 'shop' }], scopes: ['inventory:write'], flows: ['clientCredentials', 'userDelegated'] }])));
    const impostor = await waitFor('AudienceConflict', async () => {
      const found = await readApi(teamB, 'impostor');
      return readyOf(found)?.reason === 'AudienceConflict' && found;
    });
    expect(readyOf(impostor)).toMatchObject({
      status: 'False',
      message: `OAuthAPI ${teamA}/inventory already declares the audience "${AUDIENCE}" and keeps it; choose another audience or ask its owners`,
    });
    expect((await store.apis.get(AUDIENCE))?.api).toBe(`${teamA}/inventory`);

    await kubectlOk(['delete', 'oauthapi', 'inventory', '-n', teamA, '--wait=true', '--timeout=20s']);
    const record = await waitFor('the next claimant holds the audience', async () => {
      const found = await store.apis.get(AUDIENCE);
      return found?.api === `${teamB}/impostor` && found;
    });
    expect(record.clients[`shop.${teamB}`]).toEqual({ userDelegated: ['inventory:write'], clientCredentials: ['inventory:write'] });
  });

  it('deleting the only OAuthAPI of an audience removes its record', async () => {
    await kubectlOk(['delete', 'oauthapi', 'impostor', '-n', teamB, '--wait=true', '--timeout=20s']);
    await waitFor('no record for the audience', async () => (await store.apis.get(AUDIENCE)) === undefined);
    expect(await store.apis.get(AUDIENCE)).toBeUndefined();
  });
});
