// The Kubernetes API calls the controller makes, and nothing else: the surface its RBAC in deploy/ grants.
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubernetesObject,
  type V1Lease,
  type V1ObjectMeta,
  type V1Secret,
} from '@kubernetes/client-node';

import { API_GROUP, API_VERSION, PLURAL, type OAuthClient } from '../api/types.ts';
import { installClientNodePatches } from '../patches.ts';
import { jsonRequests } from './kube-json.ts';
import type { OwnWrites, WrittenKind } from './own-writes.ts';

/** An OAuthClient as the API server returns it. */
export type OAuthClientResource = OAuthClient & { metadata: V1ObjectMeta & { name: string; namespace: string } };

export const FIELD_MANAGER = 'purser-controller';

/** The kubeconfig given, else the pod's service account, else `KUBECONFIG` / `~/.kube/config`. */
export function loadKubeConfig(file: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (file) kubeConfig.loadFromFile(file);
  else kubeConfig.loadFromDefault();
  installClientNodePatches(kubeConfig);
  return kubeConfig;
}

export function statusCodeOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

const isNotFound = (error: unknown) => statusCodeOf(error) === 404;

/** `undefined` for 404, the value otherwise. */
async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

const MERGE_PATCH = PatchStrategy.MergePatch;
const mergePatch = setHeaderOptions('Content-Type', MERGE_PATCH);

export interface KubeApi {
  /** JSON merge patch of an OAuthClient; include `metadata.resourceVersion` to make it conditional. */
  patchClient(namespace: string, name: string, patch: object): Promise<OAuthClientResource>;
  patchClientStatus(namespace: string, name: string, status: object): Promise<void>;
  readSecret(namespace: string, name: string): Promise<V1Secret | undefined>;
  createSecret(namespace: string, secret: V1Secret): Promise<V1Secret>;
  patchSecret(namespace: string, name: string, patch: object): Promise<V1Secret>;
  /** Deletes the Secret if it still has this uid; a missing Secret is not an error. */
  deleteSecret(namespace: string, name: string, uid: string): Promise<void>;
  createEvent(namespace: string, event: CoreV1Event): Promise<void>;
  readLease(namespace: string, name: string): Promise<V1Lease | undefined>;
  createLease(namespace: string, lease: V1Lease): Promise<V1Lease>;
  /** Replaces the Lease; fails with 409 when its resourceVersion is stale. */
  replaceLease(namespace: string, lease: V1Lease): Promise<V1Lease>;
}

/** With `own`, the OAuthClients and Secrets written are noted there (own-writes.ts). */
export function createKubeApi(kubeConfig: KubeConfig, own?: OwnWrites): KubeApi {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  const fieldManager = FIELD_MANAGER;
  const json = jsonRequests(kubeConfig);
  const query = `?fieldManager=${FIELD_MANAGER}`;
  const clientPath = (namespace: string, name: string) =>
    `/apis/${API_GROUP}/${API_VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}/${encodeURIComponent(name)}`;
  const secretsPath = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
  const written = <T extends KubernetesObject>(kind: WrittenKind, namespace: string, name: string, call: () => Promise<T>): Promise<T> =>
    own ? own.write(kind, { metadata: { namespace, name } }, call) : call();
  return {
    // The writes made for every OAuthClient go as plain JSON (kube-json.ts); the rare ones through client-node.
    patchClient: (namespace, name, body) =>
      written('OAuthClient', namespace, name, () => json<OAuthClientResource>('PATCH', `${clientPath(namespace, name)}${query}`, body, MERGE_PATCH)),
    patchClientStatus: async (namespace, name, status) => {
      await written('OAuthClient', namespace, name, () => json<OAuthClientResource>('PATCH', `${clientPath(namespace, name)}/status${query}`, { status }, MERGE_PATCH));
    },
    readSecret: (namespace, name) => orUndefined(core.readNamespacedSecret({ namespace, name })),
    createSecret: (namespace, body) => written('Secret', namespace, body.metadata!.name!, () => json<V1Secret>('POST', `${secretsPath(namespace)}${query}`, body)),
    patchSecret: (namespace, name, body) => written('Secret', namespace, name, () => core.patchNamespacedSecret({ namespace, name, body, fieldManager }, mergePatch)),
    deleteSecret: async (namespace, name, uid) => {
      await orUndefined(core.deleteNamespacedSecret({ namespace, name, body: { preconditions: { uid } } }));
    },
    createEvent: async (namespace, body) => {
      await json('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, body);
    },
    readLease: (namespace, name) => orUndefined(coordination.readNamespacedLease({ namespace, name })),
    createLease: (namespace, body) => coordination.createNamespacedLease({ namespace, body, fieldManager }),
    replaceLease: (namespace, body) => coordination.replaceNamespacedLease({ namespace, name: body.metadata!.name!, body, fieldManager }),
  };
}
