// Starts the controller: builds the manager (manager.ts) and adds its runnables. On every replica: the health server,
// the store and the informers (warm caches, health, metrics). On the leader only: the workers, the resync, and the
// catalog watch that repairs client records gone from Redis. A leader that loses its Lease stops, as
// controller-runtime's managers do.
import { readFileSync } from 'node:fs';

import { clientIdOf } from '../api/types.ts';
import type { Config } from '../config/load.ts';
import type { Logger } from '../log.ts';
import { openStore } from '../store/open.ts';
import { API_KEY_PREFIX, createApiInformers } from './apis/informers.ts';
import { createApiKube } from './apis/kube.ts';
import { apiRecordViews } from './apis/record-cache.ts';
import { reconcileApi } from './apis/reconcile.ts';
import { statusPace } from './apis/status-pace.ts';
import { eventRecorder } from './events.ts';
import { startHealthServer } from './health.ts';
import { createInformers } from './informers.ts';
import { longestSignedLifetimeMs } from './keys/lifetimes.ts';
import { reconcileKeys, SIGNING_KEYS_QUEUE_KEY, type KeysContext } from './keys/reconcile.ts';
import { createKubeApi, loadKubeConfig } from './kube.ts';
import { OwnWrites } from './own-writes.ts';
import { createManager } from './manager.ts';
import { createControllerMetrics } from './metrics.ts';
import { claimants } from './reconcile/claim.ts';
import { keyOf, type ReconcileContext } from './reconcile/context.ts';
import { reconcile } from './reconcile/index.ts';
import { catalogWatch, CATALOG_CHECK_MS } from './runnables/catalog-watch.ts';
import { periodic } from './runnables/periodic.ts';
import { resync } from './runnables/resync.ts';
import { workers } from './worker.ts';
import { readClusterIssuer } from './workload-issuers/discovery.ts';
import { issuerPublisher, type IssuerSource } from './workload-issuers/publish.ts';
import { readTrustedIssuers, trustedIssuerKeys } from './workload-issuers/trusted.ts';
import { WorkQueue } from './work-queue.ts';

export const LEASE_NAME = 'purser-controller';

export interface RunningController {
  /** Base URL of /healthz, /readyz and /metrics. */
  healthUrl: string;
  readonly isLeader: boolean;
  stop(): Promise<void>;
}

export interface ControllerHooks {
  /** Called when the leader loses its Lease; the CLI exits so Kubernetes restarts the pod as a standby. */
  onLostLeadership?(): void;
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function leaseNamespace(config: Config): string {
  if (config.leaseNamespace) return config.leaseNamespace;
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
  } catch {
    return 'default';
  }
}

export async function startController(config: Config, log: Logger, hooks: ControllerHooks = {}): Promise<RunningController> {
  const kubeConfig = loadKubeConfig(config.kubeconfig);
  const own = new OwnWrites();
  const kube = createKubeApi(kubeConfig, own);
  const metrics = createControllerMetrics();
  const queue = new WorkQueue();
  const enqueue = (key: string) => {
    queue.add(key);
    metrics.queueDepth.set(queue.length);
  };
  const apiInformers = createApiInformers(kubeConfig, { namespaces: config.namespaces, enqueue, log });
  const informers = createInformers(kubeConfig, {
    namespaces: config.namespaces,
    enqueue,
    // The OAuthAPIs whose audience a changed client lists look at it again: they may admit it now, or no longer.
    onClientChanged: (client) => apiInformers.requeue.clientChanged(client),
    onClientDeleted: (client) => {
      for (const other of claimants(ctx, clientIdOf(client))) enqueue(keyOf(other));
      apiInformers.requeue.clientDeleted(client);
    },
    own,
    log,
  });
  const store = await openStore(config, log);
  // OAuthClient reconciles read the API records from memory; the OAuthAPI reconciler compares with Redis itself.
  const apiRecords = apiRecordViews(store.apis);
  const ctx: ReconcileContext = {
    kube,
    clients: informers.clients,
    secrets: informers.secrets,
    store: { ...store, apis: apiRecords.cached },
    watches: (namespace) => config.namespaces.length === 0 || config.namespaces.includes(namespace),
    issuer: config.issuer,
    tenancy: { clientIdPatterns: config.clientIdPatterns, firstPartyNamespaces: config.firstPartyNamespaces },
    secretRotationOverlap: config.secretRotationOverlap,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    removals: new Map(),
    recordEvent: eventRecorder(kube, log),
    enqueue,
    log,
  };
  const keysCtx: KeysContext | undefined = config.manageKeys
    ? {
        kube,
        namespace: leaseNamespace(config),
        secretName: config.keysSecret,
        rotationPeriodMs: config.signingKeyRotationPeriod * 1000,
        minRetentionMs: config.signingKeyRetention * 1000,
        propagationMs: config.keysPropagationDelay * 1000,
        longestTokenLifetimeMs: () => longestSignedLifetimeMs(config, informers.clients.list()),
        now: () => new Date(),
        log,
      }
    : undefined;

  const manager = createManager({
    election: config.leaderElection ? { kube, namespace: leaseNamespace(config), name: LEASE_NAME, leaseDuration: config.leaseDuration } : undefined,
    log,
    onLeading: (leading) => metrics.leader.set(leading ? 1 : 0),
    onLostLeadership: hooks.onLostLeadership,
  });
  let synced = false;
  const health = await startHealthServer({ port: config.controllerPort, host: config.host, ready: () => synced, registry: metrics.registry });
  const address = health.address();
  const healthUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${typeof address === 'object' && address ? address.port : config.controllerPort}`;

  // Every replica, stopped in reverse: the store closes last, after the informers and the health server.
  manager.add({ name: 'store', needsLeaderElection: false, start: () => {}, stop: () => store.close() });
  manager.add({ name: 'health', needsLeaderElection: false, start: () => {}, stop: () => new Promise<void>((resolve) => health.close(() => resolve())) });
  // The OAuthAPIs' caches first, so that their keys come first in the queue when the leader starts: every client's
  // status shows what its audience's record admits, and a client reconciled before the record was written was
  // reconciled (and its status patched) again after it (bench/controller-sync: 3 reconciles per client, now 2).
  manager.add({ name: 'api-informers', needsLeaderElection: false, start: () => apiInformers.start(), stop: () => apiInformers.stop() });
  manager.add({
    name: 'informers',
    needsLeaderElection: false,
    start: async () => {
      await informers.start();
      synced = true;
      log.info({ namespaces: config.namespaces.length ? config.namespaces : 'all', clients: informers.clients.list().length }, 'caches synced');
    },
    stop: () => informers.stop(),
  });
  const apiCtx = { kube: createApiKube(kubeConfig), apis: apiInformers, clients: informers.clients, store: { ...store, apis: apiRecords.fresh }, enqueue, statusPace: statusPace(), now: () => new Date(), log };
  // The leader's.
  const reconcileKey = async (key: string) => {
    if (key === SIGNING_KEYS_QUEUE_KEY && keysCtx) return reconcileKeys(keysCtx);
    if (!key.startsWith(API_KEY_PREFIX)) return reconcile(ctx, key);
    const [namespace = '', name = ''] = key.slice(API_KEY_PREFIX.length).split('/');
    return reconcileApi(apiCtx, namespace, name);
  };
  manager.add(workers({ queue, reconcile: reconcileKey, count: config.controllerWorkers, metrics, log }));
  const resyncClients = resync(ctx, metrics, keysCtx !== undefined);
  manager.add(
    periodic(
      'resync',
      config.resyncPeriod * 1000,
      async () => {
        apiInformers.enqueueAll();
        await resyncClients();
      },
      log,
    ),
  );
  manager.add(periodic('catalog-watch', CATALOG_CHECK_MS, catalogWatch(ctx), log));
  // README "Workload identity": the ServiceAccount issuers whose tokens authenticate clients, for the servers.
  const issuerSources = async (): Promise<IssuerSource[]> => [
    { name: 'cluster', read: () => readClusterIssuer(kubeConfig) },
    ...(config.trustedIssuersFile ? await readTrustedIssuers(config.trustedIssuersFile) : []).map((entry) => ({ name: `trusted ${entry.issuer}`, read: () => trustedIssuerKeys(entry) })),
  ];
  manager.add(periodic('service-account-issuers', config.serviceAccountIssuerRefresh * 1000, issuerPublisher({ store: store.workloadIssuers, sources: issuerSources, log }), log));

  if (config.namespaces.length) {
    log.warn({ namespaces: config.namespaces }, 'watching OAuthClients only in these namespaces: an OAuthClient elsewhere gets no status, no Secret and no client, and one deleted elsewhere stays Terminating');
  }
  await manager.start();
  return {
    healthUrl,
    get isLeader() {
      return manager.isLeader;
    },
    stop: () => manager.stop(),
  };
}
