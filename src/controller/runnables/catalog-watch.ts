// The catalog watch: a client record can leave Redis without the controller doing it (FLUSHALL, a failover to an
// empty replica, a hand deletion), and nothing in Kubernetes changes then. Every few seconds the leader asks Redis
// which of the client_ids the statuses say are held have no record (one pipelined round trip) and reconciles those,
// which writes the record back (or drops the client_id from a status whose client is not served): a status says Ready
// for at most this long for a client the server cannot serve.
import { keyOf, type ReconcileContext } from '../reconcile/context.ts';

/** How often the catalog is checked (ms). */
export const CATALOG_CHECK_MS = 3_000;

/** One check: queues every OAuthClient whose status names a client_id that has no record in the store. */
export function catalogWatch(ctx: ReconcileContext): () => Promise<void> {
  return async () => {
    const served = new Map<string, string>();
    for (const client of ctx.clients.list()) {
      const held = client.status?.clientId;
      if (client.metadata.deletionTimestamp || !held) continue;
      served.set(held, keyOf(client));
    }
    const missing = await ctx.store.clients.missing([...served.keys()]);
    if (!missing.length) return;
    ctx.log.warn({ clientIds: missing }, 'client records are gone from the store; writing them again');
    for (const clientId of missing) ctx.enqueue(served.get(clientId)!);
  };
}
