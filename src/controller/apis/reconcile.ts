// reconcileApi(oauthapi:namespace/name): reads the world and converges it; running it twice changes nothing.
//   deleted?  → remove the audience's record if this API holds it, let the next claimant take over, drop the finalizer
//   finalizer → validate → claim the audience (oldest wins) → API catalog record → status (last, only when changed;
//   a change of only its admitted clients at most every ADMITTED_STATUS_INTERVAL_MS, status-pace.ts)
import { isDeepStrictEqual } from 'node:util';

import { ApiReady, AudienceConflict } from '../../api/api-reasons.ts';
import { apiRefOf, type AdmittedClient, type OAuthAPIStatus } from '../../api/oauth-api.ts';
import type { Problem } from '../../api/reasons.ts';
import type { Condition } from '../../api/types.ts';
import { validateOAuthAPI } from '../../api/validate-api.ts';
import type { Logger } from '../../log.ts';
import type { Store } from '../../store/types.ts';
import { READY, setCondition } from '../conditions.ts';
import { statusCodeOf } from '../kube.ts';
import type { ClientCache } from '../reconcile/context.ts';
import { changedClientIds } from './changed-clients.ts';
import { audienceHolder } from './claim.ts';
import type { ApiInformers } from './informers.ts';
import type { ApiKube, OAuthAPIResource } from './kube.ts';
import { toApiRecord } from './record.ts';
import type { StatusPace } from './status-pace.ts';

export const API_FINALIZER = 'purser.dev/remove-api';

export interface ApiReconcileContext {
  kube: ApiKube;
  apis: ApiInformers;
  clients: ClientCache;
  store: Store;
  /** Queues an OAuthClient (`namespace/name`): its status shows what the API admits. */
  enqueue(key: string): void;
  /** When each API's status was last written, so that a burst of client changes rewrites it once (status-pace.ts). */
  statusPace: StatusPace;
  now(): Date;
  log: Logger;
}

/** What a reconcile of an OAuthAPI asks of the worker. */
export interface ApiReconcileResult {
  /** Reconcile again after this long: a status write held back (status-pace.ts). */
  requeueAfterMs?: number;
}

async function setFinalizer(ctx: ApiReconcileContext, api: OAuthAPIResource, present: boolean): Promise<void> {
  const finalizers = api.metadata.finalizers ?? [];
  if (finalizers.includes(API_FINALIZER) === present) return;
  try {
    const patched = await ctx.kube.patchApi(api.metadata.namespace, api.metadata.name, {
      // Conditional on the resourceVersion: a stale cache fails with 409 instead of dropping another finalizer.
      metadata: { finalizers: present ? [...finalizers, API_FINALIZER] : finalizers.filter((f) => f !== API_FINALIZER), resourceVersion: api.metadata.resourceVersion },
    });
    api.metadata = patched.metadata;
  } catch (error) {
    if (present || statusCodeOf(error) !== 404) throw error;
  }
}

/** Removes the audience's record when this API holds it: new tokens for the audience stop at once (push invalidation). */
async function release(ctx: ApiReconcileContext, api: OAuthAPIResource): Promise<void> {
  const record = await ctx.store.apis.get(api.spec.audience);
  if (record?.api === apiRefOf(api)) await ctx.store.apis.delete(api.spec.audience);
  // The next claimant, if any, takes the audience over.
  ctx.apis.enqueueAll();
  enqueueClientsOf(ctx, api.spec.audience);
}

/**
 * The OAuthClients listing `audience`, whose status shows what its OAuthAPI admits: those with one of `clientIds`,
 * or every one when `clientIds` is undefined.
 */
function enqueueClientsOf(ctx: ApiReconcileContext, audience: string, clientIds?: ReadonlySet<string>): void {
  const candidates = clientIds ? [...clientIds].flatMap((clientId) => ctx.clients.withClientId(clientId)) : ctx.clients.list();
  for (const client of candidates) if (client.spec?.audiences?.includes(audience)) ctx.enqueue(`${client.metadata.namespace}/${client.metadata.name}`);
}

/** Writes the status when it changed; returns the ms to wait first when it may not be written yet (status-pace.ts). */
async function writeStatus(ctx: ApiReconcileContext, api: OAuthAPIResource, problem: Problem | undefined, admitted: AdmittedClient[] | undefined): Promise<ApiReconcileResult> {
  const { generation } = api.metadata;
  const ready: Omit<Condition, 'lastTransitionTime'> = problem
    ? { type: READY, status: 'False', reason: problem.reason, message: problem.message, observedGeneration: generation }
    : { type: READY, status: 'True', reason: ApiReady, message: `Purser serves the audience "${api.spec.audience}" to ${admitted?.length ?? 0} admitted client(s)`, observedGeneration: generation };
  const status: OAuthAPIStatus = {
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: setCondition(api.status?.conditions, ready, ctx.now()),
    admittedClients: admitted ?? [],
    admittedClientCount: admitted?.length ?? 0,
  };
  const previous = api.status ?? {};
  if (isDeepStrictEqual(previous, status)) return {};
  const ref = apiRefOf(api);
  const now = ctx.now().getTime();
  const waitMs = ctx.statusPace.waitMs(ref, previous, status, now);
  if (waitMs > 0) return { requeueAfterMs: waitMs };
  await ctx.kube.patchApiStatus(api.metadata.namespace, api.metadata.name, status);
  ctx.statusPace.written(ref, now);
  return {};
}

export async function reconcileApi(ctx: ApiReconcileContext, namespace: string, name: string): Promise<ApiReconcileResult> {
  const cached = ctx.apis.get(namespace, name);
  if (!cached) return {}; // gone: its finalizer already released the audience
  const api = structuredClone(cached);
  if (api.metadata.deletionTimestamp) {
    if (api.spec?.audience) await release(ctx, api);
    await setFinalizer(ctx, api, false);
    ctx.statusPace.forget(apiRefOf(api));
    return {};
  }
  await setFinalizer(ctx, api, true);
  const invalid = validateOAuthAPI(api.spec);
  // Nothing is written for an invalid spec: the last record (if any) keeps serving, and the status says which.
  if (invalid) return writeStatus(ctx, api, invalid, undefined);
  const holder = audienceHolder(ctx.apis.list(), api.spec.audience);
  if (holder && apiRefOf(holder) !== apiRefOf(api)) {
    const message = `OAuthAPI ${apiRefOf(holder)} already declares the audience "${api.spec.audience}" and keeps it; choose another audience or ask its owners`;
    return writeStatus(ctx, api, { reason: AudienceConflict, message }, undefined);
  }
  const { record, admitted } = toApiRecord(api, ctx.clients.list(), ctx.apis.namespaceLabels);
  const before = await ctx.store.apis.get(record.audience);
  if (!isDeepStrictEqual(before, record)) {
    await ctx.store.apis.put(record);
    enqueueClientsOf(ctx, record.audience, changedClientIds(before, record));
  }
  // An audience this API moved away from stops serving tokens for it.
  const previous = (await ctx.store.apis.list()).filter((other) => other.api === record.api && other.audience !== record.audience);
  for (const stale of previous) await ctx.store.apis.delete(stale.audience);
  return writeStatus(ctx, api, undefined, admitted);
}
