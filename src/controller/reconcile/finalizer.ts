// The finalizer that keeps a deleted OAuthClient around until its client and tokens are gone from Redis.
import type { ReconcileContext } from './context.ts';
import { statusCodeOf, type OAuthClientResource } from '../kube.ts';

export const FINALIZER = 'purser.dev/revoke-client';

/** Adds the finalizer unless present; returns whether it changed the resource. */
export async function ensureFinalizer(ctx: ReconcileContext, client: OAuthClientResource): Promise<boolean> {
  const finalizers = client.metadata.finalizers ?? [];
  if (finalizers.includes(FINALIZER)) return false;
  // The resourceVersion makes the patch conditional: a stale cache fails with 409 instead of dropping a finalizer.
  const patched = await ctx.kube.patchClient(client.metadata.namespace, client.metadata.name, {
    metadata: { finalizers: [...finalizers, FINALIZER], resourceVersion: client.metadata.resourceVersion },
  });
  client.metadata = patched.metadata;
  return true;
}

export async function removeFinalizer(ctx: ReconcileContext, client: OAuthClientResource): Promise<void> {
  const finalizers = client.metadata.finalizers ?? [];
  if (!finalizers.includes(FINALIZER)) return;
  try {
    await ctx.kube.patchClient(client.metadata.namespace, client.metadata.name, {
      metadata: { finalizers: finalizers.filter((f) => f !== FINALIZER), resourceVersion: client.metadata.resourceVersion },
    });
  } catch (error) {
    // Gone already: an earlier finalize removed the finalizer and the cache had not seen the deletion yet.
    if (statusCodeOf(error) !== 404) throw error;
  }
}
