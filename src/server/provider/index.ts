// Builds the oidc-provider instance over Purser's store, with the library patches listed in src/patches.ts.
import Provider from 'oidc-provider';

import { installProviderPatches } from '../../patches.ts';
import type { CachedApiCatalog, CachedClientCatalog } from '../../store/cached-catalog.ts';
import { createAdapterClass } from '../../store/oidc-adapter.ts';
import type { Store } from '../../store/types.ts';
import { providerConfiguration, type ProviderDependencies } from './configuration.ts';
import { installPragmaNoCache } from './no-cache.ts';
import { introspectionPolicy } from './token-policies.ts';

export function createProvider(store: Store, clients: CachedClientCatalog, cachedApis: CachedApiCatalog, deps: Omit<ProviderDependencies, 'adapter' | 'policyFor' | 'renew' | 'apis' | 'mayIntrospect'>): Provider {
  const adapter = createAdapterClass(store.artifacts, clients);
  const policyFor = (clientId: string) => clients.peek(clientId)?.policy;
  const apis = (audience: string) => cachedApis.get(audience);
  const mayIntrospect = introspectionPolicy(deps.config.tenancy === 'enforced' ? apis : undefined);
  const provider = new Provider(deps.config.issuer, providerConfiguration({ ...deps, adapter, policyFor, apis, mayIntrospect, renew: (model, id, expiresIn) => store.artifacts.renew(model, id, expiresIn) }));
  provider.proxy = deps.config.trustProxy;
  installPragmaNoCache(provider);
  installProviderPatches(provider, { clients, jwks: deps.jwks, counters: store.counters, mayIntrospect });
  return provider;
}
