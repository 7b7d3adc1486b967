// Deleting an OAuthClient: its client leaves the store with everything issued to it, then the finalizer goes; or,
// with deletionPolicy Orphan, the record, the tokens and the Secret stay and only the finalizer goes.
import { clientIdOf, hasSecret, secretNameOf } from '../../api/types.ts';
import type { OAuthClientResource } from '../kube.ts';
import { claimants } from './claim.ts';
import { keyOf, type ReconcileContext } from './context.ts';
import { removeFinalizer, FINALIZER } from './finalizer.ts';
import { orphan } from './orphan.ts';
import { isOwnedBy, readSecret } from './secret.ts';

/**
 * How long a token request that authenticated the client just before its record went may still be writing what it
 * issued: replicas drop their cached copy within milliseconds (catalog change notifications), requests finish soon
 * after. A second revocation after this long takes what such a request wrote.
 */
export const IN_FLIGHT_SETTLE_MS = 1_000;

/**
 * Removes the client record and revokes every grant and stored token of the client; called again once
 * IN_FLIGHT_SETTLE_MS have passed since, it revokes a second time, which takes what a request in flight wrote.
 * Returns the ms to wait before calling again, 0 once both are done. A worker never sleeps through the wait: the key
 * comes back after it, so deleting N clients costs one wait, not N. A leader that fails over in between forgets when
 * the record went, and its successor starts over (each step is idempotent): the wait is never shortened.
 */
export async function removeClient(ctx: ReconcileContext, clientId: string): Promise<number> {
  const now = ctx.now().getTime();
  const removedAt = ctx.removals.get(clientId);
  if (removedAt === undefined) {
    // Record first: once every replica has dropped it, no new token can be issued.
    await ctx.store.clients.delete(clientId);
    await ctx.store.artifacts.revokeByClientId(clientId);
    ctx.removals.set(clientId, now);
    return IN_FLIGHT_SETTLE_MS;
  }
  if (now - removedAt < IN_FLIGHT_SETTLE_MS) return IN_FLIGHT_SETTLE_MS - (now - removedAt);
  await ctx.store.artifacts.revokeByClientId(clientId);
  ctx.removals.delete(clientId);
  return 0;
}

/** removeClient to the end, waiting here: for the rare removals outside a deletion (a changed client_id, drift). */
export async function removeClientNow(ctx: ReconcileContext, clientId: string): Promise<void> {
  for (let wait = await removeClient(ctx, clientId); wait > 0; wait = await removeClient(ctx, clientId)) await ctx.sleep(wait);
}

/** Returns the ms after which to finalize again (the in-flight settle), 0 once the finalizer is gone. */
export async function finalize(ctx: ReconcileContext, client: OAuthClientResource): Promise<number> {
  if (!client.metadata.finalizers?.includes(FINALIZER)) return 0;
  const clientId = clientIdOf(client);
  if (client.spec.deletionPolicy === 'Orphan') {
    await orphan(ctx, client);
  } else {
    const record = await ctx.store.clients.get(clientId);
    // Without a record nobody else serves the id: while this resource is being deleted, it holds the id (claim.ts).
    if (!record || record.owner === keyOf(client)) {
      const wait = await removeClient(ctx, clientId);
      if (wait > 0) return wait;
    }
    if (hasSecret(client.spec)) {
      // Kubernetes' garbage collector would delete it too; doing it here takes the credentials away at once.
      const name = secretNameOf(client);
      const secret = await readSecret(ctx, client.metadata.namespace, name);
      if (secret && isOwnedBy(secret, client)) await ctx.kube.deleteSecret(client.metadata.namespace, name, secret.metadata!.uid!);
    }
  }
  await removeFinalizer(ctx, client);
  const orphaned = client.spec.deletionPolicy === 'Orphan';
  ctx.log.info({ namespace: client.metadata.namespace, name: client.metadata.name, clientId }, orphaned ? 'resource removed; its client, tokens and Secret stay (deletionPolicy Orphan)' : 'client removed and its grants and tokens revoked');
  // Another resource asking for the same client_id may take it now.
  for (const other of claimants(ctx, clientId)) if (keyOf(other) !== keyOf(client)) ctx.enqueue(keyOf(other));
  return 0;
}
