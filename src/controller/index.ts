// Starts the controller: informers on every replica (warm caches, health, metrics); workers, resync and drift
// removal only on the elected leader. A leader that loses its Lease stops, as controller-runtime's managers do.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { hostname } from 'node:os';

import { clientIdOf } from '../api/types.ts';
import type { Config } from '../config/load.ts';
import type { Logger } from '../log.ts';
import { openStore } from '../store/open.ts';
import { removeOrphanRecords } from './drift.ts';
import { eventRecorder } from './events.ts';
import { startHealthServer } from './health.ts';
import { createInformers } from './informers.ts';
import { createKubeApi, loadKubeConfig, statusCodeOf } from './kube.ts';
import { startLeaderElection, type LeaderElection } from './leader-election.ts';
import { createControllerMetrics } from './metrics.ts';
import { longestSignedLifetimeMs } from './keys/lifetimes.ts';
import { reconcileKeys, SIGNING_KEYS_QUEUE_KEY, type KeysContext } from './keys/reconcile.ts';
import { claimants } from './reconcile/claim.ts';
import { keyOf, type ReconcileContext } from './reconcile/context.ts';
import { reconcile } from './reconcile/index.ts';
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
  const kube = createKubeApi(kubeConfig);
  const store = await openStore(config, log);
  const metrics = createControllerMetrics();
  const queue = new WorkQueue();
  const enqueue = (key: string) => {
    queue.add(key);
    metrics.queueDepth.set(queue.length);
  };
  const informers = createInformers(kubeConfig, {
    namespaces: config.namespaces,
    enqueue,
    onClientDeleted: (client) => {
      for (const other of claimants(ctx, clientIdOf(client))) enqueue(keyOf(other));
    },
    log,
  });
  const ctx: ReconcileContext = {
    kube,
    clients: informers.clients,
    secrets: informers.secrets,
    store,
    watches: (namespace) => config.namespaces.length === 0 || config.namespaces.includes(namespace),
    issuer: config.issuer,
    secretRotationOverlap: config.secretRotationOverlap,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
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
  const reconcileKey = (key: string) => (key === SIGNING_KEYS_QUEUE_KEY && keysCtx ? reconcileKeys(keysCtx) : reconcile(ctx, key));

  let synced = false;
  const health: Server = await startHealthServer({ port: config.controllerPort, host: config.host, ready: () => synced, registry: metrics.registry });
  const address = health.address();
  const healthUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${typeof address === 'object' && address ? address.port : config.controllerPort}`;

  async function work(): Promise<void> {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      const done = metrics.reconcileSeconds.startTimer();
      try {
        const result = await reconcileKey(key);
        if (result.retry) {
          queue.addRateLimited(key);
        } else {
          queue.forget(key);
          if (result.requeueAfterMs) queue.addAfter(key, result.requeueAfterMs);
        }
        metrics.reconciles.inc({ result: result.retry ? 'retry' : result.requeueAfterMs ? 'requeue' : 'ok' });
      } catch (error) {
        const retryInMs = queue.addRateLimited(key);
        // 409: the cache was behind a write; the watch event that follows reconciles again anyway.
        if (statusCodeOf(error) === 409) log.debug({ key, retryInMs }, 'conflict on write; retrying');
        else log.warn({ err: error, key, retryInMs }, 'reconcile failed; retrying');
        metrics.reconciles.inc({ result: 'error' });
      } finally {
        done();
        queue.done(key);
        metrics.queueDepth.set(queue.length);
      }
    }
  }

  async function resync(): Promise<void> {
    if (keysCtx) enqueue(SIGNING_KEYS_QUEUE_KEY);
    for (const client of informers.clients.list()) enqueue(keyOf(client));
    try {
      metrics.orphansRemoved.inc((await removeOrphanRecords(ctx)).length);
    } catch (error) {
      log.warn({ err: error }, 'could not look for orphaned client records; trying again at the next resync');
    }
  }

  let resyncTimer: NodeJS.Timeout | undefined;
  let workers: Promise<void>[] = [];
  const lead = () => {
    if (stopping) return;
    metrics.leader.set(1);
    workers = Array.from({ length: config.controllerWorkers }, () => work());
    void resync();
    resyncTimer = setInterval(() => void resync(), config.resyncPeriod * 1000);
    resyncTimer.unref();
  };

  let election: LeaderElection | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(resyncTimer);
    queue.shutDown();
    // Reconciles under way finish before another replica may take the Lease and before the store closes under them.
    await Promise.all(workers);
    await election?.release();
    await informers.stop();
    await new Promise((resolve) => health.close(resolve));
    await store.close();
  };

  // Campaign only with warm caches, so a new leader converges at once.
  await informers.start();
  synced = true;
  log.info({ namespaces: config.namespaces.length ? config.namespaces : 'all', clients: informers.clients.list().length }, 'caches synced');
  if (config.leaderElection) {
    election = startLeaderElection({
      kube,
      namespace: leaseNamespace(config),
      name: LEASE_NAME,
      identity: `${hostname()}_${randomUUID().slice(0, 8)}`,
      leaseDuration: config.leaseDuration,
      log,
      onStartedLeading: lead,
      onStoppedLeading: () => {
        metrics.leader.set(0);
        void stop().then(() => hooks.onLostLeadership?.());
      },
    });
  } else {
    lead();
  }

  return {
    healthUrl,
    get isLeader() {
      return election ? election.isLeader : !stopping;
    },
    stop,
  };
}
