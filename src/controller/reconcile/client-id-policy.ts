// A client_id the platform team's policy refuses this namespace (tenancy.ts) is served by nobody: the resource
// reports ClientIdNotAllowed and, if its record was written before the policy (an upgrade), that record goes with
// everything issued under it, so a namespace that took another's id keeps nothing of it.
import { clientIdProblem } from '../../api/tenancy.ts';
import { clientIdOf } from '../../api/types.ts';
import type { OAuthClientResource } from '../kube.ts';
import { claimants } from './claim.ts';
import { removeClientNow } from './cleanup.ts';
import { keyOf, type Blocked, type ReconcileContext } from './context.ts';

/** Why `client` may not use its client_id, after removing the record it holds under it; `undefined` if it may. */
export async function refuseClientId(ctx: ReconcileContext, client: OAuthClientResource): Promise<Blocked | undefined> {
  const problem = clientIdProblem(client, ctx.tenancy);
  if (!problem) return undefined;
  const clientId = clientIdOf(client);
  const record = await ctx.store.clients.get(clientId);
  if (record?.owner === keyOf(client)) {
    await removeClientNow(ctx, clientId);
    // The namespace the id belongs to may have it now.
    for (const other of claimants(ctx, clientId)) ctx.enqueue(keyOf(other));
    await ctx.recordEvent(client, 'Warning', 'ClientIdRevoked', `client_id "${clientId}" is not allowed in this namespace; its record, grants and tokens are removed`);
  }
  return problem;
}
