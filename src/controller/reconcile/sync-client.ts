// Writes the client record to the store when it differs from what is there: the one write the server reads.
import { isDeepStrictEqual } from 'node:util';

import { toClientRecord } from '../../api/client-record.ts';
import { secretOverlapOf } from '../../api/validate.ts';
import type { ClientRecord } from '../../store/types.ts';
import type { OAuthClientResource } from '../kube.ts';
import { keyOf, type ReconcileContext } from './context.ts';
import { lastOverlapEnd, nextOverlapEnd, rotateSecretHashes } from './secret-hashes.ts';

export interface Synced {
  /** Epoch seconds at which the last rotated-out secret stops working. */
  previousSecretExpiresAt?: number;
  /** Epoch seconds at which the next rotated-out secret stops working (time to reconcile again). */
  nextExpiry?: number;
}

/** `secret` is the client secret to serve (`undefined` for public clients); `existing` the record in the store. */
export async function syncClientRecord(ctx: ReconcileContext, client: OAuthClientResource, secret: string | undefined, existing: ClientRecord | undefined): Promise<Synced> {
  const now = Math.floor(ctx.now().getTime() / 1000);
  // A record left by another (gone) resource gives its secrets to nobody.
  const previous = existing?.owner === keyOf(client) ? existing.secrets : [];
  const overlap = client.spec.secretRotation?.overlap;
  const secrets = secret === undefined ? [] : rotateSecretHashes(previous, secret, now, overlap === undefined ? ctx.secretRotationOverlap : (secretOverlapOf(overlap) ?? ctx.secretRotationOverlap));
  const record = toClientRecord(client, secrets);
  // Compared as stored (JSON drops undefined properties), so an unchanged client is never written again.
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(record)), existing)) {
    await ctx.store.clients.put(record);
    if (!existing && client.status?.clientId === record.clientId) {
      await ctx.recordEvent(client, 'Warning', 'ClientRecordRestored', `the record of client_id "${record.clientId}" was gone from Redis (flushed, failed over to an empty replica, or deleted by hand) and is written again; tokens issued before may be gone with it`);
    }
    const rotated = previous.length > 0 && secrets[0] !== undefined && !previous.some((hash) => hash.digest === secrets[0]!.digest);
    if (rotated) {
      const end = lastOverlapEnd(secrets);
      const previousUntil = end === undefined ? 'stopped working at once (secretRotation.overlap 0s)' : `keeps working until ${new Date(end * 1000).toISOString()}`;
      await ctx.recordEvent(client, 'Normal', 'SecretRotated', `the client secret changed; the previous one ${previousUntil}`);
    }
  }
  return { previousSecretExpiresAt: lastOverlapEnd(secrets), nextExpiry: nextOverlapEnd(secrets) };
}
