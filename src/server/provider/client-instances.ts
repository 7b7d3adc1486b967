// Keeps one oidc-provider Client per catalog record. For adapter-backed clients oidc-provider serialises and hashes
// the metadata on every request to find its cached Client (about 12 µs per token); the catalog already knows when
// a record changes, because the cached record object is replaced.
import type { Provider } from 'oidc-provider';

import type { CachedClientCatalog } from '../../store/cached-catalog.ts';
import type { ClientRecord } from '../../store/types.ts';

type ClientFinder = (id: string) => Promise<InstanceType<Provider['Client']> | undefined>;

export function installClientInstanceCache(provider: Provider, clients: CachedClientCatalog): void {
  const Client = provider.Client as unknown as { find: ClientFinder };
  const build = Client.find.bind(Client);
  const built = new WeakMap<ClientRecord, InstanceType<Provider['Client']>>();
  Client.find = async (id: string) => {
    if (typeof id !== 'string' || id.length === 0) return undefined;
    const record = await clients.get(id);
    if (!record) return undefined;
    let client = built.get(record);
    if (!client) {
      client = await build(id);
      if (client) built.set(record, client);
    }
    return client;
  };
}
