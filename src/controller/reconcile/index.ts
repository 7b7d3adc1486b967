// reconcile(namespace/name): reads the world and converges it, step by step; running it twice changes nothing.
//   deleted?  → finalize (remove the client, revoke its tokens, drop the finalizer)
//   finalizer → validate → retire a replaced client_id → the tenancy policy allows the client_id → claim it → Secret → client record → status
//   (last, only when changed)
import { StoreUnavailable } from '../../api/reasons.ts';
import { clientIdOf, hasSecret, secretNameOf } from '../../api/types.ts';
import { validateOAuthClient } from '../../api/validate.ts';
import type { ClientRecord } from '../../store/types.ts';
import type { OAuthClientResource } from '../kube.ts';
import { admissionOf } from './audiences.ts';
import { claimProblem } from './claim.ts';
import { refuseClientId } from './client-id-policy.ts';
import { finalize } from './cleanup.ts';
import { keyOf, type ReconcileContext } from './context.ts';
import { ensureFinalizer } from './finalizer.ts';
import { retirePreviousClientId } from './retire-client-id.ts';
import { ensureSecret } from './secret.ts';
import { writeStatus, type Verdict } from './status.ts';
import { syncClientRecord } from './sync-client.ts';

export interface ReconcileResult {
  /** Reconcile again after this long (a Secret to wait for, a rotated-out secret to retire). */
  requeueAfterMs?: number;
  /** Something transient failed (the store): retry with backoff. */
  retry?: boolean;
}

class StoreError extends Error {
  override name = 'StoreError';
}

/** Runs a store call; its failure becomes a StoreError, which the verdict reports as StoreUnavailable. */
async function fromStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StoreError((error as Error).message, { cause: error });
  }
}

/** `clientId` if its record in the store belongs to this resource, else `undefined`. */
async function heldClientId(ctx: ReconcileContext, client: OAuthClientResource, clientId: string | undefined): Promise<string | undefined> {
  if (clientId === undefined) return undefined;
  return (await ctx.store.clients.get(clientId))?.owner === keyOf(client) ? clientId : undefined;
}

async function evaluate(ctx: ReconcileContext, client: OAuthClientResource): Promise<Verdict & { nextExpiry?: number }> {
  const invalid = validateOAuthClient(client);
  // Nothing is written for an invalid spec: the last record (if it is still there) keeps serving, and the status
  // keeps saying which.
  if (invalid) return { blocked: invalid, clientId: await fromStore(() => heldClientId(ctx, client, client.status?.clientId)), secretName: client.status?.secretName };
  const clientId = clientIdOf(client);
  // Before anything can block: the client_id the user moved away from stops working whatever becomes of the new one.
  await fromStore(() => retirePreviousClientId(ctx, client));
  const refused = await fromStore(() => refuseClientId(ctx, client));
  if (refused) return { blocked: refused };
  const record: ClientRecord | undefined = await fromStore(() => ctx.store.clients.get(clientId));
  const conflict = claimProblem(ctx, client, record);
  if (conflict) return { blocked: conflict };
  const secretName = hasSecret(client.spec) ? secretNameOf(client) : undefined;
  let secret: string | undefined;
  let createdSecret: string | undefined;
  if (hasSecret(client.spec)) {
    const found = await ensureSecret(ctx, client);
    // The status names a client_id only while this resource holds its record: it serves nothing under it otherwise.
    if (!('value' in found)) return { blocked: found, clientId: record?.owner === keyOf(client) ? clientId : undefined, secretName };
    secret = found.value;
    createdSecret = found.created;
  }
  const synced = await fromStore(() => syncClientRecord(ctx, client, secret, record));
  const admission = await fromStore(() => admissionOf(ctx, client));
  return { clientId, secretName, ...synced, ...(admission ? { admission } : {}), ...(createdSecret ? { createdSecret } : {}) };
}

export async function reconcile(ctx: ReconcileContext, key: string): Promise<ReconcileResult> {
  const [namespace = '', name = ''] = key.split('/');
  const cached = ctx.clients.get(namespace, name);
  if (!cached) return {}; // gone: its finalizer already cleaned up
  const client = structuredClone(cached);
  if (client.metadata.deletionTimestamp) {
    const wait = await finalize(ctx, client);
    return wait > 0 ? { requeueAfterMs: wait } : {};
  }
  await ensureFinalizer(ctx, client);
  let verdict: Verdict & { nextExpiry?: number };
  try {
    verdict = await evaluate(ctx, client);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    ctx.log.warn({ err: error, key }, 'store unavailable; will retry');
    // What was served stays in the status: the record in Redis still serves it.
    const { clientId, secretName } = client.status ?? {};
    const blocked = { reason: StoreUnavailable, message: `Redis did not answer (${error.message}); retrying. Clients already in Redis keep working.` };
    await writeStatus(ctx, client, { blocked, clientId, secretName });
    return { retry: true };
  }
  await writeStatus(ctx, client, verdict);
  const untilExpiry = verdict.nextExpiry && verdict.nextExpiry * 1000 - ctx.now().getTime() + 1000;
  return { requeueAfterMs: verdict.blocked?.requeueAfterMs ?? untilExpiry };
}
