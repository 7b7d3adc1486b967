// writeStatus: status is written only when it changed, removed fields are sent as null, and an Event marks each
// change of the Ready condition's status or reason.
import { describe, expect, it } from 'vitest';

import type { OAuthClientResource } from '../../../src/controller/kube.ts';
import { writeStatus, type Verdict } from '../../../src/controller/reconcile/status.ts';
import { FakeCluster, ISSUER, oauthClient, testContext } from './fakes.ts';

const served: Verdict = { clientId: 'app.team', secretName: 'app-oauth-client' };
const missing: Verdict = { clientId: 'app.team', secretName: 'app-oauth-client', blocked: { reason: 'SecretMissing', message: 'waiting for Secret app-oauth-client' } };
const invalid: Verdict = { blocked: { reason: 'InvalidSpec', message: 'redirectUris: at least one is required' } };

function setup(client = oauthClient('app')) {
  const cluster = new FakeCluster([client]);
  const ctx = testContext({ cluster });
  /** The resource as the informer sees it after the last write. */
  const current = () => structuredClone(cluster.clients.get('team/app')!);
  return { cluster, ctx, current };
}

describe('writeStatus', () => {
  it('writes the status once: the same verdict again writes nothing', async () => {
    const { cluster, ctx, current } = setup();
    expect(await writeStatus(ctx, current(), served)).toBe(true);
    ctx.advance(60);
    expect(await writeStatus(ctx, current(), served)).toBe(false);
    expect(cluster.writes).toEqual(['patchClientStatus team/app']);
    expect(current().status).toEqual({
      clientId: 'app.team',
      grantTypes: ['client_credentials'],
      secretName: 'app-oauth-client',
      issuer: ISSUER,
      observedGeneration: 1,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: `client_id "app.team" can get tokens from ${ISSUER}`, observedGeneration: 1, lastTransitionTime: '2025-06-01T12:00:00Z' }],
    });
  });

  it('sends fields that no longer apply as null, so the merge patch removes them', async () => {
    const { cluster, ctx, current } = setup();
    await writeStatus(ctx, current(), { ...served, previousSecretExpiresAt: 1_750_000_000 });
    expect(current().status?.previousSecretExpiresAt).toBe('2025-06-15T15:06:40Z');
    await writeStatus(ctx, current(), invalid);
    expect(cluster.statusPatches[1]).toMatchObject({ clientId: null, grantTypes: null, secretName: null, previousSecretExpiresAt: null, issuer: ISSUER });
    expect(Object.keys(current().status!).sort()).toEqual(['conditions', 'issuer', 'observedGeneration']);
  });

  it('records an Event when Ready changes status or reason, not when only the message changes', async () => {
    const { ctx, current } = setup();
    const reasons = async (verdict: Verdict) => {
      await writeStatus(ctx, current(), verdict);
      return ctx.events.map((event) => `${event.type} ${event.reason}`);
    };
    expect(await reasons(served)).toEqual(['Normal Ready']);
    expect(await reasons(missing)).toEqual(['Normal Ready', 'Warning SecretMissing']);
    expect(await reasons(invalid)).toEqual(['Normal Ready', 'Warning SecretMissing', 'Warning InvalidSpec']);
    expect(await reasons({ blocked: { reason: 'InvalidSpec', message: 'another field' } })).toHaveLength(3);
    expect(await reasons(served)).toEqual(['Normal Ready', 'Warning SecretMissing', 'Warning InvalidSpec', 'Normal Ready']);
    expect(ctx.events[1]).toEqual({ name: 'app', type: 'Warning', reason: 'SecretMissing', message: 'waiting for Secret app-oauth-client' });
  });

  it('records every recurrence of a reason flapping A → B → A → B, and a retried transition once', async () => {
    const { cluster, ctx, current } = setup();
    for (const verdict of [missing, invalid, missing, invalid]) await writeStatus(ctx, current(), verdict);
    expect(ctx.events.map((event) => event.reason)).toEqual(['SecretMissing', 'InvalidSpec', 'SecretMissing', 'InvalidSpec']);
    // The status patch fails after the Event: the retry, on the same object, records nothing more.
    const patch = cluster.api.patchClientStatus;
    cluster.api.patchClientStatus = () => Promise.reject(new Error('connection reset'));
    await expect(writeStatus(ctx, current(), missing)).rejects.toThrow('connection reset');
    cluster.api.patchClientStatus = patch;
    await writeStatus(ctx, current(), missing);
    expect(ctx.events.map((event) => event.reason)).toEqual(['SecretMissing', 'InvalidSpec', 'SecretMissing', 'InvalidSpec', 'SecretMissing']);
  });

  it('keeps lastTransitionTime across False reasons, and moves it when Ready flips', async () => {
    const { ctx, current } = setup();
    const transition = () => current().status!.conditions![0]!.lastTransitionTime;
    await writeStatus(ctx, current(), missing);
    ctx.advance(90);
    await writeStatus(ctx, current(), invalid);
    expect(transition()).toBe('2025-06-01T12:00:00Z');
    await writeStatus(ctx, current(), served);
    expect(transition()).toBe('2025-06-01T12:01:30Z');
  });

  it('reports the generation it saw, in the status and in the condition', async () => {
    const { cluster, ctx, current } = setup();
    await writeStatus(ctx, current(), served);
    const edited: OAuthClientResource = { ...current(), metadata: { ...current().metadata, generation: 2 } };
    expect(await writeStatus(ctx, edited, served)).toBe(true);
    expect(current().status).toMatchObject({ observedGeneration: 2, conditions: [{ observedGeneration: 2, lastTransitionTime: '2025-06-01T12:00:00Z' }] });
    expect(ctx.events).toHaveLength(1);
    expect(cluster.writes).toHaveLength(2);
  });
});
