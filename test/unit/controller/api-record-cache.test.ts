// The controller's two views of the API catalog: OAuthClient reconciles read records from memory, yet never a record
// older than the OAuthAPI reconciler's last write, even before the catalog's own notification (Redis pub/sub) arrives.
import { describe, expect, it, vi } from 'vitest';

import { apiRecordViews } from '../../../src/controller/apis/record-cache.ts';
import { MemoryApiCatalog } from '../../../src/store/memory/api-catalog.ts';
import type { ApiCatalog, ApiRecord } from '../../../src/store/types.ts';

const AUDIENCE = 'https://orders.test';

const record = (clients: ApiRecord['clients']): ApiRecord => ({ api: 'orders/orders', audience: AUDIENCE, scopes: ['orders:read'], clients, descriptions: {}, resourceServers: [] });

/** A catalog whose change notifications arrive only when `deliver` is called, as Redis pub/sub arrives late. */
function lateNotifying() {
  const inner = new MemoryApiCatalog();
  const listeners = new Set<(audience: string) => void>();
  const catalog: ApiCatalog = {
    get: (audience) => inner.get(audience),
    put: (next) => inner.put(next),
    delete: (audience) => inner.delete(audience),
    list: () => inner.list(),
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const deliver = (audience: string) => listeners.forEach((listener) => listener(audience));
  return { inner, catalog, deliver };
}

describe('apiRecordViews', () => {
  it('reads a record once from the catalog, then from memory', async () => {
    const { inner, catalog } = lateNotifying();
    await inner.put(record({ 'a.team': { userDelegated: [], clientCredentials: ['orders:read'] } }));
    const get = vi.spyOn(inner, 'get');
    const { cached } = apiRecordViews(catalog);
    for (let i = 0; i < 3; i++) expect(Object.keys((await cached.get(AUDIENCE))!.clients)).toEqual(['a.team']);
    expect(get).toHaveBeenCalledTimes(1);
  });

  it("serves the OAuthAPI reconciler's write at once, before the catalog's own notification", async () => {
    const { catalog } = lateNotifying();
    const { cached, fresh } = apiRecordViews(catalog);
    await fresh.put(record({ 'a.team': { userDelegated: [], clientCredentials: ['orders:read'] } }));
    expect(Object.keys((await cached.get(AUDIENCE))!.clients)).toEqual(['a.team']);

    // A client removed from the record: the next read no longer admits it.
    await fresh.put(record({}));
    expect((await cached.get(AUDIENCE))!.clients).toEqual({});
    await fresh.delete(AUDIENCE);
    expect(await cached.get(AUDIENCE)).toBeUndefined();
  });

  it('drops a record another process changed once the catalog says so; the fresh view always reads the catalog', async () => {
    const { inner, catalog, deliver } = lateNotifying();
    const { cached, fresh } = apiRecordViews(catalog);
    expect(await cached.get(AUDIENCE)).toBeUndefined();
    await inner.put(record({ 'b.team': { userDelegated: ['orders:read'], clientCredentials: [] } }));
    expect(Object.keys((await fresh.get(AUDIENCE))!.clients)).toEqual(['b.team']);
    deliver(AUDIENCE);
    expect(Object.keys((await cached.get(AUDIENCE))!.clients)).toEqual(['b.team']);
  });
});
