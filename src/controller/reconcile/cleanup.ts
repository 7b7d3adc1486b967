// Deleting an OAuthClient: its client leaves the store with everything issued to it, then the finalizer goes.
import { clientIdOf, hasSecret, secretNameOf } from '../../api/types.ts';
import type { OAuthClientResource } from '../kube.ts';
import { claimants } from './claim.ts';
import { keyOf, type ReconcileContext } from './context.ts';
import { removeFinalizer, FINALIZER } from './finalizer.ts';
import { isOwnedBy, readSecret } from './secret.ts';

/**
 * How long a token request that authenticated the client just before its record went may still be writing what it
 * issued: replicas drop their cached copy within milliseconds (catalog change notifications), requests finish soon
 * after. A second revocation after this long takes what such a request wrote.
 */
export const IN_FLIGHT_SETTLE_MS = 1_000;

/** Removes the client record, then revokes every grant and stored token of the client, twice (idempotent). */
export async function removeClient(ctx: ReconcileContext, clientId: string): Promise<void> {
  // Record first: once every replica has dropped it, no new token can be issued.
  await ctx.store.clients.delete(clientId);
  await ctx.store.artifacts.revokeByClientId(clientId);
  await ctx.sleep(IN_FLIGHT_SETTLE_MS);
  await ctx.store.artifacts.revokeByClientId(clientId);
}

export async function finalize(ctx: ReconcileContext, client: OAuthClientResource): Promise<void> {
  if (!client.metadata.finalizers?.includes(FINALIZER)) return;
  const clientId = clientIdOf(client);
  const record = await ctx.store.clients.get(clientId);
  // Without a record nobody else serves the id: while this resource is being deleted, it holds the id (claim.ts).
  if (!record || record.owner === keyOf(client)) await removeClient(ctx, clientId);
  if (hasSecret(client.spec)) {
    // Kubernetes' garbage collector would delete it too; doing it here takes the credentials away at once.
    const name = secretNameOf(client);
    const secret = await readSecret(ctx, client.metadata.namespace, name);
    if (secret && isOwnedBy(secret, client)) await ctx.kube.deleteSecret(client.metadata.namespace, name, secret.metadata!.uid!);
  }
  await removeFinalizer(ctx, client);
  ctx.log.info({ namespace: client.metadata.namespace, name: client.metadata.name, clientId }, 'client removed and its grants and tokens revoked');
  // Another resource asking for the same client_id may take it now.
  for (const other of claimants(ctx, clientId)) if (keyOf(other) !== keyOf(client)) ctx.enqueue(keyOf(other));
}
