// Builds the oidc-provider instance over Purser's store, with Purser's client authentication and token ids.
import Provider from 'oidc-provider';

import { CachedClientCatalog } from '../../store/cached-catalog.ts';
import { createAdapterClass } from '../../store/oidc-adapter.ts';
import type { Store } from '../../store/types.ts';
import { installSecretComparison } from './client-secret.ts';
import { providerConfiguration, type ProviderDependencies } from './configuration.ts';
import { installGrantErrorDescriptions } from './grant-error-descriptions.ts';
import { installGrantBoundTokenIds } from './token-ids.ts';

export function createProvider(store: Store, clients: CachedClientCatalog, deps: Omit<ProviderDependencies, 'adapter'>): Provider {
  const adapter = createAdapterClass(store.artifacts, clients);
  const provider = new Provider(deps.config.issuer, providerConfiguration({ ...deps, adapter }));
  provider.proxy = deps.config.trustProxy;
  installSecretComparison(provider);
  installGrantBoundTokenIds(provider);
  installGrantErrorDescriptions(provider);
  return provider;
}
