// The worker loop, as client-go's: take a key, reconcile it, then forget it (success), requeue it after its backoff
// (failure) or after the delay the reconcile asked for; `done` always, so a key re-added meanwhile comes back.
import type { Logger } from '../log.ts';
import { statusCodeOf } from './kube.ts';
import type { Runnable } from './manager.ts';
import type { ControllerMetrics } from './metrics.ts';
import type { ReconcileResult } from './reconcile/index.ts';
import type { WorkQueue } from './work-queue.ts';

export interface WorkerOptions {
  queue: WorkQueue;
  reconcile(key: string): Promise<ReconcileResult>;
  /** How many keys are reconciled at once. */
  count: number;
  metrics: ControllerMetrics;
  log: Logger;
}

async function work({ queue, reconcile, metrics, log }: WorkerOptions): Promise<void> {
  for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
    const done = metrics.reconcileSeconds.startTimer();
    try {
      const result = await reconcile(key);
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

/** `count` workers on the leader; stopping shuts the queue down and waits for the reconciles under way. */
export function workers(options: WorkerOptions): Runnable {
  let running: Promise<void>[] = [];
  return {
    name: 'workers',
    needsLeaderElection: true,
    start: () => {
      running = Array.from({ length: options.count }, () => work(options));
    },
    stop: async () => {
      options.queue.shutDown();
      await Promise.all(running);
    },
  };
}
