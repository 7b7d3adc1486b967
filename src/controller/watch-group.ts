// The lifecycle every group of informers shares: restart one whose watch fails, start all and wait for their first
// lists, stop all. One place, so the OAuthClient and the OAuthAPI informers restart and sync the same way.
import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';

import type { Logger } from '../log.ts';

export type Watched<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/** Delay before an informer whose watch failed is started again (ms). */
const RESTART_DELAY_MS = 2_000;
/** How often `start` looks whether every first list has arrived (ms). */
const SYNC_POLL_MS = 200;

export interface WatchGroup {
  /** Starts every informer; resolves once each has listed (a failed first list is retried through 'error'). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts, restarts and stops `informers` together; an informer stops on errors other than an expired watch. */
export function watchGroup(informers: Watched<KubernetesObject>[], log: Logger): WatchGroup {
  let stopped = false;
  for (const informer of informers) {
    informer.on('error', (error?: unknown) => {
      if (stopped) return;
      log.warn({ err: error }, 'watch failed; restarting');
      setTimeout(() => void (stopped || informer.start().catch(() => {})), RESTART_DELAY_MS).unref();
    });
  }
  const listed = (informer: Watched<KubernetesObject>) => (informer as unknown as { latestResourceVersion(): string }).latestResourceVersion() !== '';
  return {
    start: async () => {
      await Promise.all(informers.map((informer) => informer.start()));
      while (!stopped && !informers.every(listed)) await new Promise((resolve) => setTimeout(resolve, SYNC_POLL_MS));
    },
    stop: async () => {
      stopped = true;
      await Promise.all(informers.map((informer) => informer.stop()));
    },
  };
}
