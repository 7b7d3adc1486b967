// Who may use a client_id: the resource whose record already holds it, else the oldest resource asking for it.
import { ClientIdConflict } from '../../api/reasons.ts';
import { clientIdOf } from '../../api/types.ts';
import type { ClientRecord } from '../../store/types.ts';
import type { OAuthClientResource } from '../kube.ts';
import { keyOf, type Blocked, type ReconcileContext } from './context.ts';

const createdAt = (client: OAuthClientResource): number => Date.parse(String(client.metadata.creationTimestamp ?? '')) || 0;

const byAge = (a: OAuthClientResource, b: OAuthClientResource): number => createdAt(a) - createdAt(b) || keyOf(a).localeCompare(keyOf(b));

/** Every resource that asks for `clientId`, being deleted or not. */
export function claimants(ctx: ReconcileContext, clientId: string): OAuthClientResource[] {
  return ctx.clients.withClientId(clientId);
}

/**
 * The owner of `clientId`: the record's owner while that resource exists (or lives where this controller cannot see),
 * so a later resource never takes a working client_id away, nor one whose owner asks for another id but has not yet
 * revoked what was issued under this one (retire-client-id.ts); else a resource being deleted, which holds the id
 * until its finalizer has revoked what was issued under it; else the oldest claimant.
 */
export function ownerOf(ctx: ReconcileContext, clientId: string, record: ClientRecord | undefined): string | undefined {
  const holders = claimants(ctx, clientId).sort(byAge);
  if (record && !record.orphaned) {
    const [namespace = '', name = ''] = record.owner.split('/');
    if (!ctx.watches(namespace) || ctx.clients.get(namespace, name)) return record.owner;
  }
  const owner = holders.find((other) => other.metadata.deletionTimestamp) ?? holders[0];
  return owner && keyOf(owner);
}

export function claimProblem(ctx: ReconcileContext, client: OAuthClientResource, record: ClientRecord | undefined): Blocked | undefined {
  const clientId = clientIdOf(client);
  const owner = ownerOf(ctx, clientId, record);
  if (owner === undefined || owner === keyOf(client)) return undefined;
  return { reason: ClientIdConflict, message: `client_id "${clientId}" is already used by OAuthClient ${owner}; set spec.clientId to another value` };
}
