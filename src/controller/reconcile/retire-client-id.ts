// When a resource's client_id changes (spec.clientId set after the default was served), the record under the old
// client_id goes, with everything issued to it: status.clientId remembers which one was served.
import { clientIdOf } from '../../api/types.ts';
import type { OAuthClientResource } from '../kube.ts';
import { claimants } from './claim.ts';
import { removeClientNow } from './cleanup.ts';
import { keyOf, type ReconcileContext } from './context.ts';

/** Removes the previously served client_id's record if this resource owns it; returns whether it did. */
export async function retirePreviousClientId(ctx: ReconcileContext, client: OAuthClientResource): Promise<boolean> {
  const previous = client.status?.clientId;
  if (!previous || previous === clientIdOf(client)) return false;
  const record = await ctx.store.clients.get(previous);
  if (record?.owner !== keyOf(client)) return false;
  await removeClientNow(ctx, previous);
  // Whoever else asks for the old id may have it now.
  for (const other of claimants(ctx, previous)) if (keyOf(other) !== keyOf(client)) ctx.enqueue(keyOf(other));
  await ctx.recordEvent(client, 'Normal', 'ClientIdChanged', `client_id "${previous}" was replaced by "${clientIdOf(client)}"; its grants and tokens are revoked`);
  return true;
}
