// reconcileApi over fakes: during a burst of client changes the record is written on every reconcile, while the
// status (which lists every admitted client) is rewritten at most every ADMITTED_STATUS_INTERVAL_MS, and the key comes
// back so that it still converges to the truth, a removed client included. An injected clock, no real sleeps.
import { describe, expect, it } from 'vitest';

import type { OAuthAPIStatus } from '../../../src/api/oauth-api.ts';
import type { ApiInformers } from '../../../src/controller/apis/informers.ts';
import type { OAuthAPIResource } from '../../../src/controller/apis/kube.ts';
import { reconcileApi, type ApiReconcileContext } from '../../../src/controller/apis/reconcile.ts';
import { ADMITTED_STATUS_INTERVAL_MS, statusPace } from '../../../src/controller/apis/status-pace.ts';
import type { OAuthClientResource } from '../../../src/controller/kube.ts';
import { createLogger } from '../../../src/log.ts';
import { createMemoryStore } from '../../../src/store/memory/index.ts';
import { mergePatch, oauthClient } from './fakes.ts';

const AUDIENCE = 'https://orders.test';

function setup() {
  let now = Date.parse('2026-01-01T00:00:00Z');
  let api: OAuthAPIResource = {
    apiVersion: 'purser.dev/v1alpha1',
    kind: 'OAuthAPI',
    metadata: { namespace: 'orders', name: 'orders', generation: 1, resourceVersion: '1', finalizers: ['purser.dev/remove-api'], creationTimestamp: '2026-01-01T00:00:00Z' as never },
    spec: { audience: AUDIENCE, scopes: [{ name: 'orders:read' }], access: [{ namespaceSelector: {}, scopes: ['orders:read'], flows: ['clientCredentials'] }] },
  };
  const clients = new Map<string, OAuthClientResource>();
  const statusWrites: OAuthAPIStatus[] = [];
  const apis: ApiInformers = {
    get: () => api,
    list: () => [api],
    namespaceLabels: () => ({}),
    enqueueAll: () => {},
    requeue: { clientChanged: () => {}, clientDeleted: () => {} },
    start: async () => {},
    stop: async () => {},
  };
  const ctx: ApiReconcileContext = {
    kube: {
      patchApi: async () => api,
      // As the API server and the informer do: the cached object carries the status written.
      patchApiStatus: async (_namespace, _name, status) => {
        statusWrites.push(status as OAuthAPIStatus);
        api = { ...api, status: mergePatch(api.status, status) as OAuthAPIStatus };
      },
    },
    apis,
    clients: {
      get: (namespace, name) => clients.get(`${namespace}/${name}`),
      list: () => [...clients.values()],
      withClientId: (clientId) => [...clients.values()].filter((client) => `${client.metadata.name}.${client.metadata.namespace}` === clientId),
    },
    store: createMemoryStore(() => now),
    enqueue: () => {},
    statusPace: statusPace(),
    now: () => new Date(now),
    log: createLogger({ level: 'silent', format: 'json' }),
  };
  const add = (name: string) => clients.set(`team/${name}`, oauthClient(name, { grantTypes: ['client_credentials'], scopes: ['orders:read'], audiences: [AUDIENCE] }));
  const admittedInStatus = () => (api.status?.admittedClients ?? []).map((client) => client.name);
  const admittedInRecord = async () => Object.keys((await ctx.store.apis.get(AUDIENCE))?.clients ?? {}).sort();
  return { ctx, add, remove: (name: string) => clients.delete(`team/${name}`), statusWrites, admittedInStatus, admittedInRecord, advance: (ms: number) => (now += ms) };
}

describe('reconcileApi: the status of a burst of client changes', () => {
  it('writes the record at every reconcile, the status at once and then at most once per interval, converging to the truth', async () => {
    const { ctx, add, statusWrites, admittedInStatus, admittedInRecord, advance } = setup();
    add('a');
    expect(await reconcileApi(ctx, 'orders', 'orders')).toEqual({});
    expect(admittedInStatus()).toEqual(['a']);

    // Two more clients within the interval: each is in the record (tokens flow) at once; the status waits.
    advance(100);
    add('b');
    expect(await reconcileApi(ctx, 'orders', 'orders')).toEqual({ requeueAfterMs: ADMITTED_STATUS_INTERVAL_MS - 100 });
    advance(100);
    add('c');
    expect(await reconcileApi(ctx, 'orders', 'orders')).toEqual({ requeueAfterMs: ADMITTED_STATUS_INTERVAL_MS - 200 });
    expect(await admittedInRecord()).toEqual(['a.team', 'b.team', 'c.team']);
    expect(statusWrites).toHaveLength(1);

    // The key comes back when asked: one write says everything.
    advance(ADMITTED_STATUS_INTERVAL_MS - 200);
    expect(await reconcileApi(ctx, 'orders', 'orders')).toEqual({});
    expect(admittedInStatus()).toEqual(['a', 'b', 'c']);
    expect(statusWrites).toHaveLength(2);
    expect(statusWrites[1]).toMatchObject({ admittedClientCount: 3 });
    // Converged: nothing more to write, nothing to wait for.
    expect(await reconcileApi(ctx, 'orders', 'orders')).toEqual({});
    expect(statusWrites).toHaveLength(2);
  });

  it('drops a removed client from the record at once and from the status within the interval', async () => {
    const { ctx, add, remove, admittedInStatus, admittedInRecord, advance } = setup();
    add('a');
    add('b');
    await reconcileApi(ctx, 'orders', 'orders');
    advance(10);
    remove('b');
    const { requeueAfterMs } = await reconcileApi(ctx, 'orders', 'orders');
    expect(await admittedInRecord()).toEqual(['a.team']);
    expect(requeueAfterMs).toBeLessThanOrEqual(ADMITTED_STATUS_INTERVAL_MS);
    advance(requeueAfterMs!);
    await reconcileApi(ctx, 'orders', 'orders');
    expect(admittedInStatus()).toEqual(['a']);
  });

  it('writes at once what is more than the admitted clients (a new generation), whenever the last write was', async () => {
    const { ctx, add, statusWrites, advance } = setup();
    add('a');
    await reconcileApi(ctx, 'orders', 'orders');
    advance(10);
    const api = ctx.apis.get('orders', 'orders')!;
    api.metadata.generation = 2;
    expect(await reconcileApi(ctx, 'orders', 'orders')).toEqual({});
    expect(statusWrites.at(-1)).toMatchObject({ observedGeneration: 2 });
  });
});
