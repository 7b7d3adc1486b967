// Builds the oidc-provider instance over Purser's store, with Purser's client authentication and token ids.
import Provider from 'oidc-provider';

import { CachedClientCatalog } from '../../store/cached-catalog.ts';
import { createAdapterClass } from '../../store/oidc-adapter.ts';
import type { Store } from '../../store/types.ts';
import { installClientInstanceCache } from './client-instances.ts';
import { installSecretComparison } from './client-secret.ts';
import { providerConfiguration, type ProviderDependencies } from './configuration.ts';
import { installProtocolErrorCorrections } from './protocol-errors.ts';
import { installGrantRenewal } from './grant-lifetime.ts';
import { installTokenErrorDescriptions } from './token-error-descriptions.ts';
import { installBoundTokenIds } from './token-ids.ts';

export function createProvider(store: Store, clients: CachedClientCatalog, deps: Omit<ProviderDependencies, 'adapter' | 'policyFor' | 'renew' | 'apis'>): Provider {
  const adapter = createAdapterClass(store.artifacts, clients);
  const policyFor = (clientId: string) => clients.peek(clientId)?.policy;
  const provider = new Provider(deps.config.issuer, providerConfiguration({ ...deps, adapter, policyFor, apis: (audience) => store.apis.get(audience), renew: (model, id, expiresIn) => store.artifacts.renew(model, id, expiresIn) }));
  provider.proxy = deps.config.trustProxy;
  installSecretComparison(provider);
  installClientInstanceCache(provider, clients);
  installBoundTokenIds(provider);
  installGrantRenewal(provider);
  installTokenErrorDescriptions(provider);
  installProtocolErrorCorrections(provider);
  return provider;
}
