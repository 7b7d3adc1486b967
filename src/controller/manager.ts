// The controller's runnables, started the way controller-runtime's manager starts them: those every replica runs
// (caches, health, metrics) at once, in the order added; those that act on the cluster (workers, resync, the catalog
// watch) only while this replica holds the Lease. Stopped in reverse order, each waiting for its work under way.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

import type { Logger } from '../log.ts';
import type { KubeApi } from './kube.ts';
import { startLeaderElection, type LeaderElection } from './leader-election.ts';

/** One part of the controller with a lifetime of its own. */
export interface Runnable {
  /** For logs. */
  name: string;
  /** true: runs only on the leader (it writes); false: on every replica (it reads, or serves health). */
  needsLeaderElection: boolean;
  /** Resolves once started (e.g. a cache filled); a rejection stops the manager's start. */
  start(): Promise<void> | void;
  /** Resolves once work under way has finished. */
  stop(): Promise<void> | void;
}

export interface ManagerOptions {
  /** Unset: this replica leads from the start (a single replica, or tests). */
  election?: { kube: KubeApi; namespace: string; name: string; leaseDuration: number };
  log: Logger;
  /** Called when the leader loses its Lease, after everything stopped; the CLI exits so the pod restarts as a standby. */
  onLostLeadership?(): void;
  /** Called when this replica starts leading (metrics). */
  onLeading?(leading: boolean): void;
}

export interface Manager {
  add(runnable: Runnable): void;
  /** Starts every replica's runnables in order, then campaigns for the Lease (with warm caches, so a new leader converges at once). */
  start(): Promise<void>;
  readonly isLeader: boolean;
  stop(): Promise<void>;
}

export function createManager(options: ManagerOptions): Manager {
  const runnables: Runnable[] = [];
  const started: Runnable[] = [];
  let election: LeaderElection | undefined;
  let leading = false;
  let stopping = false;

  const startAll = async (leader: boolean) => {
    for (const runnable of runnables.filter((r) => r.needsLeaderElection === leader)) {
      if (stopping) return;
      await runnable.start();
      started.push(runnable);
    }
  };
  const lead = () => {
    if (stopping) return;
    leading = true;
    options.onLeading?.(true);
    startAll(true).catch((error: unknown) => {
      options.log.error({ err: error }, 'could not start leading; stopping');
      void manager.stop().then(() => options.onLostLeadership?.());
    });
  };

  const manager: Manager = {
    add: (runnable) => void runnables.push(runnable),
    start: async () => {
      await startAll(false);
      if (!options.election) return lead();
      election = startLeaderElection({
        ...options.election,
        identity: `${hostname()}_${randomUUID().slice(0, 8)}`,
        log: options.log,
        onStartedLeading: lead,
        onStoppedLeading: () => {
          options.onLeading?.(false);
          void manager.stop().then(() => options.onLostLeadership?.());
        },
      });
    },
    get isLeader() {
      return election ? election.isLeader : leading && !stopping;
    },
    stop: async () => {
      if (stopping) return;
      stopping = true;
      // Leader runnables first (they were started last): reconciles under way finish before another replica may take
      // the Lease, and before the caches and the store close under them.
      const leaders = started.filter((r) => r.needsLeaderElection).reverse();
      for (const runnable of leaders) await runnable.stop();
      await election?.release();
      for (const runnable of started.filter((r) => !r.needsLeaderElection).reverse()) await runnable.stop();
    },
  };
  return manager;
}
