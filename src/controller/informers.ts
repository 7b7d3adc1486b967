// Informers keep a cache of OAuthClients and of their Secrets, and turn every change into a key on the work queue.
// Handlers only enqueue `namespace/name`: reconcile reads the current state itself.
import { CoreV1Api, CustomObjectsApi, makeInformer, type KubeConfig, type KubernetesObject, type V1Secret } from '@kubernetes/client-node';

import { API_GROUP, API_VERSION, clientIdOf, KIND, PLURAL } from '../api/types.ts';
import type { Logger } from '../log.ts';
import type { OAuthClientResource } from './kube.ts';
import { labelValueOf } from './label-value.ts';
import type { OwnWrites } from './own-writes.ts';
import { keyOf, type ClientCache, type ResourceCache } from './reconcile/context.ts';
import { CLIENT_LABEL } from './reconcile/secret.ts';
import { watchGroup, type Watched } from './watch-group.ts';


/** One informer per watched namespace (or one for all), seen as one cache. */
class MultiCache<T extends KubernetesObject> implements ResourceCache<T> {
  readonly informers: Map<string, Watched<T>>;

  constructor(informers: Map<string, Watched<T>>) {
    this.informers = informers;
  }

  get(namespace: string, name: string): T | undefined {
    return (this.informers.get(namespace) ?? this.informers.get(''))?.get(name, namespace);
  }

  list(): readonly T[] {
    return [...this.informers.values()].flatMap((informer) => informer.list());
  }
}

/**
 * OAuthClients, also by client_id. Every reconcile asks who claims its client_id: scanning the whole cache for that
 * made a full sync quadratic (half of all the controller allocated for 2000 clients, bench/controller-sync).
 */
class ClientMultiCache extends MultiCache<OAuthClientResource> implements ClientCache {
  readonly #keysByClientId = new Map<string, Set<string>>();
  readonly #clientIdByKey = new Map<string, string>();

  /** Keeps the index in step with the caches; register before any other handler, which may look clients up. */
  track(informer: Watched<OAuthClientResource>): void {
    informer.on('add', (client) => this.#index(client));
    informer.on('update', (client) => this.#index(client));
    informer.on('delete', (client) => this.#unindex(keyOf(client)));
  }

  withClientId(clientId: string): OAuthClientResource[] {
    const found: OAuthClientResource[] = [];
    for (const key of this.#keysByClientId.get(clientId) ?? []) {
      const slash = key.indexOf('/');
      const client = this.get(key.slice(0, slash), key.slice(slash + 1));
      if (client && clientIdOf(client) === clientId) found.push(client);
    }
    return found;
  }

  #index(client: OAuthClientResource): void {
    const key = keyOf(client);
    const clientId = clientIdOf(client);
    if (this.#clientIdByKey.get(key) === clientId) return;
    this.#unindex(key);
    this.#clientIdByKey.set(key, clientId);
    const keys = this.#keysByClientId.get(clientId);
    if (keys) keys.add(key);
    else this.#keysByClientId.set(clientId, new Set([key]));
  }

  #unindex(key: string): void {
    const clientId = this.#clientIdByKey.get(key);
    if (clientId === undefined) return;
    this.#clientIdByKey.delete(key);
    const keys = this.#keysByClientId.get(clientId)!;
    keys.delete(key);
    if (keys.size === 0) this.#keysByClientId.delete(clientId);
  }
}

export interface Informers {
  clients: ClientCache;
  secrets: ResourceCache<V1Secret>;
  /** Resolves once every cache has been filled by its first list. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface InformerOptions {
  /** Namespaces to watch; empty means all. */
  namespaces: readonly string[];
  /** Called with `namespace/name` of every OAuthClient that may need reconciling. */
  enqueue(key: string): void;
  /** Called with every OAuthClient added or updated, after its key is queued. */
  onClientChanged(client: OAuthClientResource): void;
  /** Called when an OAuthClient is gone from the cache (so that others asking for its client_id are looked at). */
  onClientDeleted(client: OAuthClientResource): void;
  /** The controller's own writes, whose watch events queue nothing (own-writes.ts). */
  own: OwnWrites;
  log: Logger;
}

export function createInformers(kubeConfig: KubeConfig, options: InformerOptions): Informers {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const scopes = options.namespaces.length ? options.namespaces : [''];
  const base = `/apis/${API_GROUP}/${API_VERSION}`;
  const resource = { group: API_GROUP, version: API_VERSION, plural: PLURAL };

  const clientInformers = new Map(
    scopes.map((namespace) => {
      const path = namespace ? `${base}/namespaces/${namespace}/${PLURAL}` : `${base}/${PLURAL}`;
      const list = () => (namespace ? custom.listNamespacedCustomObject({ ...resource, namespace }) : custom.listClusterCustomObject(resource));
      return [namespace, makeInformer<OAuthClientResource>(kubeConfig, path, list)] as const;
    }),
  );
  const secretInformers = new Map(
    scopes.map((namespace) => {
      const path = namespace ? `/api/v1/namespaces/${namespace}/secrets` : '/api/v1/secrets';
      const labelSelector = CLIENT_LABEL;
      const list = () => (namespace ? core.listNamespacedSecret({ namespace, labelSelector }) : core.listSecretForAllNamespaces({ labelSelector }));
      return [namespace, makeInformer<V1Secret>(kubeConfig, path, list, labelSelector)] as const;
    }),
  );

  const enqueueClient = (client: OAuthClientResource) => {
    options.own.unlessOwn('OAuthClient', client, () => options.enqueue(`${client.metadata.namespace}/${client.metadata.name}`));
    options.onClientChanged(client);
  };
  const queueOwner = (secret: V1Secret) => {
    const owner = ownerName(secret);
    if (owner) options.enqueue(`${secret.metadata!.namespace}/${owner}`);
  };
  const enqueueOwner = (secret: V1Secret) => options.own.unlessOwn('Secret', secret, () => queueOwner(secret));
  const all = [...clientInformers.values(), ...secretInformers.values()] as Watched<KubernetesObject>[];
  const clients = new ClientMultiCache(clientInformers);
  /** The OAuthClient a labelled Secret belongs to: its controller, else the one its label names (labelValueOf). */
  const ownerName = (secret: V1Secret): string | undefined => {
    const controller = secret.metadata?.ownerReferences?.find((reference) => reference.controller && reference.kind === KIND);
    if (controller) return controller.name;
    const label = secret.metadata?.labels?.[CLIENT_LABEL];
    const namespace = secret.metadata!.namespace!;
    if (!label || clients.get(namespace, label)) return label;
    // A long name's label is shortened: find whose it is (rare, and only for a Secret made by someone else).
    return clients.list().find((client) => client.metadata.namespace === namespace && labelValueOf(client.metadata.name) === label)?.metadata.name;
  };
  for (const informer of clientInformers.values()) {
    clients.track(informer);
    informer.on('add', enqueueClient);
    informer.on('update', enqueueClient);
    informer.on('delete', (client) => {
      options.own.forget('OAuthClient', client);
      options.onClientDeleted(client);
    });
  }
  for (const informer of secretInformers.values()) {
    for (const verb of ['add', 'update'] as const) informer.on(verb, enqueueOwner);
    informer.on('delete', (secret) => {
      options.own.forget('Secret', secret);
      queueOwner(secret);
    });
  }
  const group = watchGroup(all, options.log);

  return {
    clients,
    secrets: new MultiCache(secretInformers),
    start: group.start,
    stop: group.stop,
  };
}
