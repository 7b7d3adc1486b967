// Drift: a client record in the store whose OAuthClient is gone (deleted without its finalizer, or restored from a
// backup) is removed with everything issued to it. Runs after each full resync, never on a request path.
import { clientIdOf } from '../api/types.ts';
import { removeClientNow } from './reconcile/cleanup.ts';
import type { ReconcileContext } from './reconcile/context.ts';

/** Removes orphaned records in the namespaces this controller watches; returns their client_ids. */
export async function removeOrphanRecords(ctx: ReconcileContext): Promise<string[]> {
  const removed: string[] = [];
  for (const record of await ctx.store.clients.list()) {
    const [namespace = '', name = ''] = record.owner.split('/');
    // An orphaned record outlives its resource on purpose (deletionPolicy Orphan).
    if (record.orphaned || !ctx.watches(namespace)) continue;
    const resource = ctx.clients.get(namespace, name);
    if (resource && clientIdOf(resource) === record.clientId) continue;
    // The list may be stale: a worker may have given the id to another resource since.
    if ((await ctx.store.clients.get(record.clientId))?.owner !== record.owner) continue;
    await removeClientNow(ctx, record.clientId);
    removed.push(record.clientId);
  }
  if (removed.length) ctx.log.info({ clientIds: removed }, 'removed client records whose OAuthClient is gone');
  return removed;
}
