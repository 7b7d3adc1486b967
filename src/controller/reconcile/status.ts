// Writes the status last, and only when it changed; a change of the Ready condition is also an Event, exactly once.
import { isDeepStrictEqual } from 'node:util';

import { Ready } from '../../api/reasons.ts';
import { grantTypesOf, type Condition, type OAuthClientStatus } from '../../api/types.ts';
import { skipConsentVerdict } from '../../api/tenancy.ts';
import { READY, SKIP_CONSENT, findCondition, removeCondition, setCondition } from '../conditions.ts';
import type { OAuthClientResource } from '../kube.ts';
import { AUDIENCES_ADMITTED, type Admission } from './audiences.ts';
import type { Blocked, ReconcileContext } from './context.ts';
import { secretCreatedMessage } from './secret.ts';

/** What reconciling found: served (no `blocked`), or why not. */
export interface Verdict {
  blocked?: Blocked;
  clientId?: string;
  secretName?: string;
  /** Epoch seconds. */
  previousSecretExpiresAt?: number;
  /** What the OAuthAPIs of the client's audiences admit; absent without audiences. */
  admission?: Admission;
  /**
   * The Secret the controller created for the client, told in the Ready Event when Ready changes, else in a
   * SecretCreated Event: this reconcile's, or an earlier one's while no Ready Event has named it (secret.ts).
   */
  createdSecret?: string;
}

function admissionCondition(admission: Admission, generation: number | undefined): Omit<Condition, 'lastTransitionTime'> {
  const { problem } = admission;
  if (problem) return { type: AUDIENCES_ADMITTED, status: 'False', reason: problem.reason, message: problem.message, observedGeneration: generation };
  return { type: AUDIENCES_ADMITTED, status: 'True', reason: 'Admitted', message: 'the OAuthAPI of every audience admits every scope this client lists', observedGeneration: generation };
}

function readyCondition(ctx: ReconcileContext, verdict: Verdict, generation: number | undefined): Omit<Condition, 'lastTransitionTime'> {
  const observedGeneration = generation;
  if (verdict.blocked) return { type: READY, status: 'False', reason: verdict.blocked.reason, message: verdict.blocked.message, observedGeneration };
  return { type: READY, status: 'True', reason: Ready, message: `client_id "${verdict.clientId}" can get tokens from ${ctx.issuer}`, observedGeneration };
}

/** The conditions with Ready from `verdict` and SkipConsent from the tenancy policy (absent when not asked for). */
function conditionsOf(ctx: ReconcileContext, client: OAuthClientResource, verdict: Verdict): Condition[] {
  const { generation: observedGeneration } = client.metadata;
  const conditions = setCondition(client.status?.conditions, readyCondition(ctx, verdict, observedGeneration), ctx.now());
  const skip = skipConsentVerdict(client, ctx.tenancy);
  if (!skip) return removeCondition(conditions, SKIP_CONSENT);
  const { reason, message } = skip;
  return setCondition(conditions, { type: SKIP_CONSENT, status: skip.honoured ? 'True' : 'False', reason, message, observedGeneration }, ctx.now());
}

export function desiredStatus(ctx: ReconcileContext, client: OAuthClientResource, verdict: Verdict): OAuthClientStatus {
  const { generation } = client.metadata;
  return {
    ...(verdict.clientId ? { clientId: verdict.clientId, grantTypes: grantTypesOf(client.spec) } : {}),
    ...(verdict.secretName ? { secretName: verdict.secretName } : {}),
    issuer: ctx.issuer,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    ...(verdict.previousSecretExpiresAt ? { previousSecretExpiresAt: new Date(verdict.previousSecretExpiresAt * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') } : {}),
    ...(verdict.admission ? { audiences: verdict.admission.audiences } : {}),
    conditions: withAdmission(conditionsOf(ctx, client, verdict), verdict, generation, ctx.now()),
  };
}

/** The AudiencesAdmitted condition set, or removed when the client has no audiences (or was not evaluated). */
function withAdmission(conditions: Condition[], verdict: Verdict, generation: number | undefined, now: Date): Condition[] {
  if (verdict.admission) return setCondition(conditions, admissionCondition(verdict.admission, generation), now);
  return conditions.filter((condition) => condition.type !== AUDIENCES_ADMITTED);
}

export async function writeStatus(ctx: ReconcileContext, client: OAuthClientResource, verdict: Verdict): Promise<boolean> {
  const previous = client.status ?? {};
  const status = desiredStatus(ctx, client, verdict);
  const before = findCondition(previous.conditions, READY);
  const after = findCondition(status.conditions, READY)!;
  const transition = before?.status !== after.status || before.reason !== after.reason;
  const created = verdict.createdSecret && secretCreatedMessage(verdict.createdSecret);
  // A Secret made again for a client whose Ready stays (someone deleted it) is an Event of its own.
  if (created && !transition) await ctx.recordEvent(client, 'Normal', 'SecretCreated', created);
  if (isDeepStrictEqual(previous, status)) return false;
  // A merge patch keeps fields it does not mention: null removes the ones that no longer apply.
  const removed = Object.fromEntries(Object.keys(previous).filter((key) => !(key in status)).map((key) => [key, null]));
  if (transition) {
    // Before the status, named after the transition (from the condition the status holds, which stays until the
    // patch below lands): a controller killed between the two, or a failed patch, records the same Event again on
    // the next try, which the API server refuses as a duplicate. Exactly one Event per transition. The object's
    // resourceVersion tells a recurrence from a retry: lastTransitionTime only moves when the status flips, so a
    // reason flapping A → B → A → B had the same name the second time and its Event was swallowed.
    const from = before ? `${before.status}/${before.reason}/${before.lastTransitionTime}@${client.metadata.resourceVersion}` : 'none';
    const message = created ? `${after.message}; ${created}` : after.message;
    await ctx.recordEvent(client, after.status === 'True' ? 'Normal' : 'Warning', after.reason, message, `Ready ${from} -> ${after.status}/${after.reason}`);
  }
  await ctx.kube.patchClientStatus(client.metadata.namespace, client.metadata.name, { ...removed, ...status });
  return true;
}
