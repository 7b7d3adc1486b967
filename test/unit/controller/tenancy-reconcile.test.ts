// A namespace keeps to itself (DESIGN.md, "Who may get which token"): what reconcile does with a client_id outside
// the namespace, a Secret nobody handed it, and skipConsent outside a first-party namespace.
import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

import type { TenancyPolicy } from '../../../src/api/tenancy.ts';
import type { OAuthClientSpec } from '../../../src/api/types.ts';
import { reconcile } from '../../../src/controller/reconcile/index.ts';
import { SECRET_POLL_MS } from '../../../src/controller/reconcile/secret.ts';
import { FakeCluster, oauthClient, testContext } from './fakes.ts';

const CLOSED: TenancyPolicy = { clientIdPatterns: [], firstPartyNamespaces: [] };

function setup(spec: OAuthClientSpec, secrets: V1Secret[] = [], tenancy = CLOSED) {
  const cluster = new FakeCluster([oauthClient('app', spec)], secrets);
  const ctx = testContext({ cluster, tenancy });
  const condition = (type: string) => cluster.clients.get('team/app')?.status?.conditions?.find((entry) => entry.type === type);
  return { cluster, ctx, condition };
}

const dbPassword: V1Secret = { metadata: { name: 'db-password', namespace: 'team', uid: 'uid-db', resourceVersion: '3' }, data: { password: Buffer.from('hunter2-hunter2-hunter2-hunter2-hunter2').toString('base64') } };

describe('reconcile under the tenancy policy', () => {
  it('refuses a client_id of another namespace (ClientIdNotAllowed) and writes no record', async () => {
    const { ctx, condition } = setup({ clientId: 'payments.team-a' });
    await reconcile(ctx, 'team/app');
    expect(condition('Ready')).toMatchObject({ status: 'False', reason: 'ClientIdNotAllowed' });
    expect(condition('Ready')?.message).toContain('PURSER_CLIENT_ID_PATTERNS');
    expect(await ctx.store.clients.get('payments.team-a')).toBeUndefined();
  });

  it('removes the record a refused client_id got before the policy (an upgrade)', async () => {
    const { cluster, ctx, condition } = setup({ public: true, clientId: 'payments.team-a', redirectUris: ['https://b.test/cb'] }, [], { ...CLOSED, clientIdPatterns: ['*=*'] });
    await reconcile(ctx, 'team/app');
    expect(await ctx.store.clients.get('payments.team-a')).toMatchObject({ owner: 'team/app' });
    ctx.tenancy = CLOSED;
    await reconcile(ctx, 'team/app');
    expect(condition('Ready')).toMatchObject({ status: 'False', reason: 'ClientIdNotAllowed' });
    expect(await ctx.store.clients.get('payments.team-a')).toBeUndefined();
    expect(cluster.clients.get('team/app')?.status?.clientId).toBeUndefined();
  });

  it('allows any id ending in the namespace, and others through a pattern', async () => {
    const own = setup({ public: true, clientId: 'renamed.team', redirectUris: ['https://b.test/cb'] });
    await reconcile(own.ctx, 'team/app');
    expect(own.condition('Ready')).toMatchObject({ status: 'True' });
    const allowed = setup({ public: true, clientId: 'legacy-app', redirectUris: ['https://b.test/cb'] }, [], { ...CLOSED, clientIdPatterns: ['team=legacy-*'] });
    await reconcile(allowed.ctx, 'team/app');
    expect(allowed.condition('Ready')).toMatchObject({ status: 'True' });
  });

  it('with secretName set and no Secret, waits (SecretMissing) instead of minting a value into that name', async () => {
    const { cluster, ctx, condition } = setup({ secretName: 'later' });
    expect(await reconcile(ctx, 'team/app')).toEqual({ requeueAfterMs: SECRET_POLL_MS });
    expect(condition('Ready')).toMatchObject({ status: 'False', reason: 'SecretMissing' });
    expect(condition('Ready')?.message).toContain('labelled purser.dev/oauthclient=app');
    expect(cluster.secrets.has('team/later')).toBe(false);
  });

  it('never writes a Secret not marked for the client (SecretNotMarked), and says how to mark it', async () => {
    const { cluster, ctx, condition } = setup({ secretName: 'db-password' }, [structuredClone(dbPassword)]);
    expect(await reconcile(ctx, 'team/app')).toEqual({ requeueAfterMs: SECRET_POLL_MS });
    expect(condition('Ready')).toMatchObject({ status: 'False', reason: 'SecretNotMarked' });
    expect(condition('Ready')?.message).toContain('kubectl label secret db-password -n team purser.dev/oauthclient=app');
    expect(cluster.secrets.get('team/db-password')).toEqual(dbPassword);
    expect(cluster.writes.filter((write) => write.includes('Secret'))).toEqual([]);
  });

  it('does not adopt an unmarked Secret under the default name either, but still creates the default one', async () => {
    const unmarked = { ...structuredClone(dbPassword), metadata: { ...dbPassword.metadata, name: 'app-oauth-client' } };
    const squatted = setup({}, [unmarked]);
    await reconcile(squatted.ctx, 'team/app');
    expect(squatted.condition('Ready')).toMatchObject({ status: 'False', reason: 'SecretNotMarked' });
    const fresh = setup({});
    await reconcile(fresh.ctx, 'team/app');
    expect(fresh.condition('Ready')).toMatchObject({ status: 'True' });
    expect(fresh.cluster.secrets.get('team/app-oauth-client')?.metadata?.ownerReferences).toHaveLength(1);
  });

  it('serves skipConsent outside a first-party namespace as false, and the SkipConsent condition says so', async () => {
    const spec = { public: true, skipConsent: true, redirectUris: ['https://b.test/cb'] };
    const tenant = setup(spec);
    await reconcile(tenant.ctx, 'team/app');
    expect(tenant.condition('Ready')).toMatchObject({ status: 'True' });
    expect(tenant.condition('SkipConsent')).toMatchObject({ status: 'False', reason: 'SkipConsentNotAllowed' });
    expect((await tenant.ctx.store.clients.get('app.team'))?.policy.skipConsent).toBe(false);

    const firstParty = setup(spec, [], { ...CLOSED, firstPartyNamespaces: ['team'] });
    await reconcile(firstParty.ctx, 'team/app');
    expect(firstParty.condition('SkipConsent')).toMatchObject({ status: 'True', reason: 'FirstParty' });
    expect((await firstParty.ctx.store.clients.get('app.team'))?.policy.skipConsent).toBe(true);
  });

  it('drops the SkipConsent condition once the spec no longer asks', async () => {
    const { cluster, ctx, condition } = setup({ public: true, skipConsent: true, redirectUris: ['https://b.test/cb'] });
    await reconcile(ctx, 'team/app');
    const client = cluster.clients.get('team/app')!;
    client.spec.skipConsent = false;
    client.metadata.generation = 2;
    await reconcile(ctx, 'team/app');
    expect(condition('SkipConsent')).toBeUndefined();
  });
});
