// Builds the oidc-provider instance over Purser's store, with the library patches listed in src/patches.ts.
import Provider from 'oidc-provider';

import { installProviderPatches } from '../../patches.ts';
import type { CachedApiCatalog, CachedClientCatalog } from '../../store/cached-catalog.ts';
import { createAdapterClass } from '../../store/oidc-adapter.ts';
import { userCodeKeys } from '../../store/user-code-key.ts';
import type { LogoutJob, Store } from '../../store/types.ts';
import { providerConfiguration, type ProviderDependencies } from './configuration.ts';
import { installGrants } from '../grants/index.ts';
import { accountFinder } from '../accounts/find-account.ts';
import { accessTokenVerifier } from './jwt-access-token.ts';
import { installPragmaNoCache } from './no-cache.ts';
import { lifetimes } from './ttl.ts';
import { installDeviceFlow } from '../device/index.ts';
import { introspectionPolicy } from './token-policies.ts';
import type { WorkloadAuthentication } from '../workload/authenticate.ts';
import { installFastTokenPath } from '../fast-token/index.ts';

export function createProvider(store: Store, clients: CachedClientCatalog, cachedApis: CachedApiCatalog, deps: Omit<ProviderDependencies, 'adapter' | 'policyFor' | 'renew' | 'apis' | 'mayIntrospect'> & { enqueueLogout: (job: LogoutJob) => Promise<void> }, workload: WorkloadAuthentication): Provider {
  const adapter = createAdapterClass(store.artifacts, clients, userCodeKeys(deps.cookieKeys));
  const policyFor = (clientId: string) => clients.peek(clientId)?.policy;
  const apis = (audience: string) => cachedApis.get(audience);
  const mayIntrospect = introspectionPolicy(deps.config.tenancy === 'enforced' ? apis : undefined);
  const grantExists = (reference: string) => store.artifacts.grantExists(reference);
  const findAccount = accountFinder(deps.users);
  const provider = new Provider(deps.config.issuer, providerConfiguration({ ...deps, adapter, policyFor, apis, mayIntrospect, renew: (model, id, expiresIn) => store.artifacts.renew(model, id, expiresIn) }));
  provider.proxy = deps.config.trustProxy;
  installGrants(provider, {
    apis,
    mayIntrospect,
    verifyAccessToken: accessTokenVerifier(deps.jwks, grantExists),
    findAccount,
    accessTokenTtl: lifetimes(deps.config, policyFor).accessTokenTtl,
    workload,
  });
  installPragmaNoCache(provider);
  installProviderPatches(provider, {
    clients,
    jwks: deps.jwks,
    counters: store.counters,
    mayIntrospect,
    grantExists,
    findAccount,
    enqueueLogout: deps.enqueueLogout,
    workload,
    userCodeAttempts: deps.config.deviceUserCodeAttempts,
    devicePollInterval: deps.config.devicePollInterval,
    sessionTtl: deps.config.sessionTtl,
  });
  installDeviceFlow(provider, deps.config, store.counters);
  if (deps.config.tokenFastPath) {
    installFastTokenPath(provider, { apis: deps.config.tenancy === 'enforced' ? apis : undefined, accessTokenTtl: lifetimes(deps.config, policyFor).accessTokenTtl });
  }
  return provider;
}
