// The full resync on the leader: every OAuthClient (and the key Secret) is looked at again, and client records whose
// OAuthClient is gone are removed (drift.ts). A safety net for changes no watch reported.
import { removeOrphanRecords } from '../drift.ts';
import { SIGNING_KEYS_QUEUE_KEY } from '../keys/reconcile.ts';
import type { ControllerMetrics } from '../metrics.ts';
import { keyOf, type ReconcileContext } from '../reconcile/context.ts';

/** `manageKeys`: whether the key Secret is queued too. */
export function resync(ctx: ReconcileContext, metrics: ControllerMetrics, manageKeys: boolean): () => Promise<void> {
  return async () => {
    if (manageKeys) ctx.enqueue(SIGNING_KEYS_QUEUE_KEY);
    for (const client of ctx.clients.list()) ctx.enqueue(keyOf(client));
    metrics.orphansRemoved.inc((await removeOrphanRecords(ctx)).length);
  };
}
