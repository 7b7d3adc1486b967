// The Kubernetes API calls the OAuthAPI reconciler makes, and nothing else (the chart grants exactly these):
// a merge patch of an OAuthAPI (its finalizer) and of its status.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig, type V1ObjectMeta } from '@kubernetes/client-node';

import { API_PLURAL, type OAuthAPI } from '../../api/oauth-api.ts';
import { API_GROUP, API_VERSION } from '../../api/types.ts';
import { FIELD_MANAGER } from '../kube.ts';

/** An OAuthAPI as the API server returns it. */
export type OAuthAPIResource = OAuthAPI & { metadata: V1ObjectMeta & { name: string; namespace: string } };

export interface ApiKube {
  /** JSON merge patch; include `metadata.resourceVersion` to make it conditional. */
  patchApi(namespace: string, name: string, patch: object): Promise<OAuthAPIResource>;
  patchApiStatus(namespace: string, name: string, status: object): Promise<void>;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function createApiKube(kubeConfig: KubeConfig): ApiKube {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const resource = { group: API_GROUP, version: API_VERSION, plural: API_PLURAL, fieldManager: FIELD_MANAGER };
  return {
    patchApi: (namespace, name, body) => custom.patchNamespacedCustomObject({ ...resource, namespace, name, body }, mergePatch),
    patchApiStatus: async (namespace, name, status) => {
      await custom.patchNamespacedCustomObjectStatus({ ...resource, namespace, name, body: { status } }, mergePatch);
    },
  };
}
