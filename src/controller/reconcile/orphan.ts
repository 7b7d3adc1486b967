// deletionPolicy Orphan: the OAuthClient goes, what it made stays working (a migration to another namespace, cluster
// or tool). The record is marked orphaned, so drift removal leaves it and another OAuthClient asking for the same
// client_id adopts it; the Secret loses its owner reference, so Kubernetes' garbage collector leaves it too.
import { clientIdOf, secretNameOf } from '../../api/types.ts';
import type { OAuthClientResource } from '../kube.ts';
import { keyOf, type ReconcileContext } from './context.ts';
import { readSecret } from './secret.ts';

export async function orphan(ctx: ReconcileContext, client: OAuthClientResource): Promise<void> {
  const record = await ctx.store.clients.get(clientIdOf(client));
  if (record?.owner === keyOf(client) && !record.orphaned) await ctx.store.clients.put({ ...record, orphaned: true });
  if (client.spec.public) return;
  const secret = await readSecret(ctx, client.metadata.namespace, secretNameOf(client));
  const references = secret?.metadata?.ownerReferences ?? [];
  const kept = references.filter((reference) => reference.uid !== client.metadata.uid);
  if (!secret || kept.length === references.length) return;
  await ctx.kube.patchSecret(client.metadata.namespace, secret.metadata!.name!, {
    metadata: { ownerReferences: kept.length ? kept : null, resourceVersion: secret.metadata?.resourceVersion },
  });
}
