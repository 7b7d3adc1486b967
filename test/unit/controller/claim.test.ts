// Who owns a client_id when several OAuthClients ask for it: the record's owner, else one being deleted, else the
// oldest; and the message the others report.
import { describe, expect, it } from 'vitest';

import { claimProblem, claimants, ownerOf } from '../../../src/controller/reconcile/claim.ts';
import type { OAuthClientResource } from '../../../src/controller/kube.ts';
import type { ClientRecord } from '../../../src/store/types.ts';
import { oauthClient, testContext } from './fakes.ts';

/** An OAuthClient asking for client_id `shared`, created at `created` (RFC 3339, as the API server sends it). */
const claimant = (namespace: string, name: string, created: string, extra: Partial<OAuthClientResource['metadata']> = {}) =>
  oauthClient(name, { clientId: 'shared' }, { namespace, creationTimestamp: created as unknown as Date, ...extra });

const recordOwnedBy = (owner: string): ClientRecord => ({
  clientId: 'shared',
  owner,
  metadata: {},
  secrets: [],
  policy: { scopes: [], audiences: [], accessTokenFormat: 'opaque', refreshTokenReuseGracePeriod: 0, requirePkce: true, skipConsent: false, corsOrigins: [] },
});

const older = claimant('team-a', 'first', '2024-01-01T00:00:00Z');
const newer = claimant('team-b', 'second', '2024-06-01T00:00:00Z');

describe('ownerOf', () => {
  it('lists every resource asking for the client_id', () => {
    const ctx = testContext({ clients: [older, newer, oauthClient('unrelated')] });
    expect(claimants(ctx, 'shared').map((client) => client.metadata.name).sort()).toEqual(['first', 'second']);
  });

  it("keeps the id with the record's owner, however old the other claimants are", () => {
    const ctx = testContext({ clients: [older, newer] });
    expect(ownerOf(ctx, 'shared', recordOwnedBy('team-b/second'))).toBe('team-b/second');
    expect(ownerOf(ctx, 'shared', recordOwnedBy('team-a/first'))).toBe('team-a/first');
  });

  it('gives the id to the oldest claimant without a record, or when the record owner no longer asks for it', () => {
    expect(ownerOf(testContext({ clients: [newer, older] }), 'shared', undefined)).toBe('team-a/first');
    expect(ownerOf(testContext({ clients: [newer, older] }), 'shared', recordOwnedBy('team-c/gone'))).toBe('team-a/first');
  });

  it('orders by time whether creationTimestamp arrives as a string or a Date', () => {
    const asDates = [claimant('team-a', 'new', '2024-01-01T00:00:00Z'), claimant('team-b', 'old', '2020-01-01T00:00:00Z')].map((client) => ({
      ...client,
      metadata: { ...client.metadata, creationTimestamp: new Date(String(client.metadata.creationTimestamp)) },
    }));
    expect(ownerOf(testContext({ clients: asDates }), 'shared', undefined)).toBe('team-b/old');
  });

  it('breaks a tie on creationTimestamp by namespace/name', () => {
    const sameTime = [claimant('team-b', 'x', '2024-01-01T00:00:00Z'), claimant('team-a', 'z', '2024-01-01T00:00:00Z'), claimant('team-a', 'y', '2024-01-01T00:00:00Z')];
    expect(ownerOf(testContext({ clients: sameTime }), 'shared', undefined)).toBe('team-a/y');
  });

  it('lets a resource being deleted hold the id until its finalizer is done', () => {
    const leaving = claimant('team-b', 'second', '2024-06-01T00:00:00Z', { deletionTimestamp: '2025-01-01T00:00:00Z' as unknown as Date, finalizers: ['purser.dev/revoke-client'] });
    expect(ownerOf(testContext({ clients: [older, leaving] }), 'shared', undefined)).toBe('team-b/second');
  });

  it('lets an owner in a namespace this controller does not watch hold the id', () => {
    const ctx = testContext({ clients: [older], watches: (namespace) => namespace !== 'elsewhere' });
    expect(ownerOf(ctx, 'shared', recordOwnedBy('elsewhere/app'))).toBe('elsewhere/app');
    // In a watched namespace, an owner that is gone from the cache holds nothing.
    expect(ownerOf(ctx, 'shared', recordOwnedBy('team-z/gone'))).toBe('team-a/first');
  });

  it('has no owner when nobody asks and nothing is recorded', () => {
    expect(ownerOf(testContext(), 'shared', undefined)).toBeUndefined();
  });
});

describe('claimProblem', () => {
  it('blocks every claimant but the owner with ClientIdConflict and says how to fix it', () => {
    const ctx = testContext({ clients: [older, newer] });
    expect(claimProblem(ctx, older, undefined)).toBeUndefined();
    expect(claimProblem(ctx, newer, undefined)).toEqual({
      reason: 'ClientIdConflict',
      message: 'client_id "shared" is already used by OAuthClient team-a/first; set spec.clientId to another value',
    });
    expect(claimProblem(ctx, older, recordOwnedBy('team-b/second'))?.message).toContain('already used by OAuthClient team-b/second');
  });

  it('lets a lone resource claim its id even when the cache does not have it yet', () => {
    expect(claimProblem(testContext(), older, undefined)).toBeUndefined();
  });
});
