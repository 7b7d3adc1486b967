// Informers for OAuthAPIs (in the watched namespaces) and for Namespaces (cluster-wide: their labels feed
// access.namespaceSelector). Handlers only enqueue `oauthapi:<namespace>/<name>` keys.
import { CoreV1Api, CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesObject, type V1Namespace } from '@kubernetes/client-node';

import { API_PLURAL } from '../../api/oauth-api.ts';
import { API_GROUP, API_VERSION } from '../../api/types.ts';
import type { Logger } from '../../log.ts';
import { apiRequeuer, type ApiRequeuer } from './concerned.ts';
import type { OAuthAPIResource } from './kube.ts';
import { watchGroup, type Watched } from '../watch-group.ts';

export const API_KEY_PREFIX = 'oauthapi:';

export const apiKeyOf = (api: OAuthAPIResource): string => `${API_KEY_PREFIX}${api.metadata.namespace}/${api.metadata.name}`;

export interface ApiInformers {
  get(namespace: string, name: string): OAuthAPIResource | undefined;
  list(): OAuthAPIResource[];
  namespaceLabels(namespace: string): Record<string, string>;
  /** Queues every OAuthAPI (the resync; an API that changed, which may move an audience between claimants). */
  enqueueAll(): void;
  /** Queues only the OAuthAPIs an OAuthClient's change concerns (concerned.ts). */
  requeue: Pick<ApiRequeuer, 'clientChanged' | 'clientDeleted'>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createApiInformers(kubeConfig: KubeConfig, options: { namespaces: readonly string[]; enqueue(key: string): void; log: Logger }): ApiInformers {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const resource = { group: API_GROUP, version: API_VERSION, plural: API_PLURAL };
  const base = `/apis/${API_GROUP}/${API_VERSION}`;
  const apiInformers = (options.namespaces.length ? options.namespaces : ['']).map((namespace) =>
    makeInformer<OAuthAPIResource>(
      kubeConfig,
      namespace ? `${base}/namespaces/${namespace}/${API_PLURAL}` : `${base}/${API_PLURAL}`,
      () => (namespace ? custom.listNamespacedCustomObject({ ...resource, namespace }) : custom.listClusterCustomObject(resource)),
    ),
  );
  const namespaces = makeInformer<V1Namespace>(kubeConfig, '/api/v1/namespaces', () => core.listNamespace());
  const list = () => apiInformers.flatMap((informer) => informer.list());
  const enqueueAll = () => {
    for (const api of list()) options.enqueue(apiKeyOf(api));
  };
  for (const informer of apiInformers) {
    informer.on('add', (api) => options.enqueue(apiKeyOf(api)));
    // Any change may move an audience between claimants: look at every API (they are few).
    informer.on('update', enqueueAll);
    informer.on('delete', enqueueAll);
  }
  const requeue = apiRequeuer(list, (api) => options.enqueue(apiKeyOf(api)));
  namespaces.on('add', requeue.namespaceChanged);
  namespaces.on('update', requeue.namespaceChanged);
  namespaces.on('delete', requeue.namespaceDeleted);
  const all = [...apiInformers, namespaces] as Watched<KubernetesObject>[];
  const group = watchGroup(all, options.log);
  return {
    get: (namespace, name) => apiInformers.map((informer) => informer.get(name, namespace)).find(Boolean),
    list,
    namespaceLabels: (namespace) => namespaces.get(namespace)?.metadata?.labels ?? {},
    enqueueAll,
    requeue,
    start: group.start,
    stop: group.stop,
  };
}
