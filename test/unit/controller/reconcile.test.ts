// reconcile(key) end to end over fakes: a recording API server whose caches see every write, the in-memory store and
// an injected clock. The second reconcile of a converged client writing nothing is the idempotency proof.
import type { V1Secret } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';

import type { OAuthClientSpec } from '../../../src/api/types.ts';
import { removeOrphanRecords } from '../../../src/controller/drift.ts';
import { reconcile } from '../../../src/controller/reconcile/index.ts';
import { IN_FLIGHT_SETTLE_MS } from '../../../src/controller/reconcile/cleanup.ts';
import { FINALIZER } from '../../../src/controller/reconcile/finalizer.ts';
import { CLIENT_LABEL, SECRET_POLL_MS } from '../../../src/controller/reconcile/secret.ts';
import { createMemoryStore } from '../../../src/store/memory/index.ts';
import { matchesSecret } from '../../../src/store/secret-hash.ts';
import { FakeCluster, ISSUER, oauthClient, testContext } from './fakes.ts';

const USER_SECRET = 'user-supplied-secret-0123456789abcdefghijk';

/** A Secret its creator made for OAuthClient `markedFor` (labelled so), or for nobody (`undefined`). */
const userSecret = (name: string, value = USER_SECRET, markedFor: string | undefined = 'app'): V1Secret => ({
  metadata: { name, namespace: 'team', uid: `uid-${name}`, resourceVersion: '7', ...(markedFor ? { labels: { [CLIENT_LABEL]: markedFor } } : {}) },
  data: { client_secret: Buffer.from(value).toString('base64') },
});

const decoded = (secret: V1Secret | undefined) => Object.fromEntries(Object.entries(secret?.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]));

function setup(spec: OAuthClientSpec = {}, secrets: V1Secret[] = []) {
  const cluster = new FakeCluster([oauthClient('app', spec)], secrets);
  const ctx = testContext({ cluster });
  const client = () => cluster.clients.get('team/app');
  const ready = () => client()?.status?.conditions?.find((condition) => condition.type === 'Ready');
  return { cluster, ctx, client, ready };
}

/** Two OAuthClients asking for client_id `shared`; `owner` is the older. */
const contestants = () => ({
  owner: oauthClient('owner', { clientId: 'shared' }, { creationTimestamp: '2024-01-01T00:00:00Z' as unknown as Date }),
  late: oauthClient('late', { clientId: 'shared' }, { creationTimestamp: '2024-02-01T00:00:00Z' as unknown as Date }),
});

describe('reconcile', () => {
  it('adds the finalizer, creates the Secret, writes the record and reports Ready; then converged, writes nothing', async () => {
    const { cluster, ctx, client, ready } = setup();
    expect(await reconcile(ctx, 'team/app')).toEqual({});
    expect(cluster.writes).toEqual(['patchClient team/app', 'createSecret team/app-oauth-client', 'patchClientStatus team/app']);
    expect(client()!.metadata.finalizers).toEqual([FINALIZER]);

    const secret = cluster.secrets.get('team/app-oauth-client')!;
    expect(secret.metadata?.ownerReferences).toEqual([{ apiVersion: 'purser.dev/v1alpha1', kind: 'OAuthClient', name: 'app', uid: 'uid-app', controller: true, blockOwnerDeletion: true }]);
    const data = decoded(secret);
    expect(data).toMatchObject({ client_id: 'app.team', issuer: ISSUER, token_endpoint: `${ISSUER}/token` });
    expect(data.client_secret).toMatch(/^[\w-]{43}$/);

    const record = await ctx.store.clients.get('app.team');
    expect(record).toMatchObject({ clientId: 'app.team', owner: 'team/app', metadata: { grant_types: ['client_credentials'] } });
    expect(matchesSecret(record!.secrets, data.client_secret!)).toBe(true);
    expect(client()!.status).toMatchObject({ clientId: 'app.team', secretName: 'app-oauth-client', issuer: ISSUER, observedGeneration: 1 });
    expect(ready()).toMatchObject({ status: 'True', reason: 'Ready' });
    // One Event says both, as client-go's recorder would aggregate them.
    expect(ctx.events.map((event) => [event.reason, event.message])).toEqual([['Ready', `client_id "app.team" can get tokens from ${ISSUER}; created Secret app-oauth-client with a generated client secret`]]);

    const put = vi.spyOn(ctx.store.clients, 'put');
    ctx.advance(30);
    expect(await reconcile(ctx, 'team/app')).toEqual({});
    expect(cluster.writes).toHaveLength(3);
    expect(put).not.toHaveBeenCalled();
    expect(ctx.events).toHaveLength(1);

    // A Secret made again while Ready stays is an Event of its own.
    cluster.secrets.delete('team/app-oauth-client');
    await reconcile(ctx, 'team/app');
    expect(ctx.events.map((event) => [event.reason, event.message])).toContainEqual(['SecretCreated', 'created Secret app-oauth-client with a generated client secret']);
  });

  it('serves a private_key_jwt client (RFC 7523) without a Secret or a secret, with its public keys', async () => {
    const jwks = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }] };
    const { cluster, ctx, client, ready } = setup({ tokenEndpointAuthMethod: 'private_key_jwt', jwks });
    expect(await reconcile(ctx, 'team/app')).toEqual({});
    expect(cluster.writes).toEqual(['patchClient team/app', 'patchClientStatus team/app']);
    expect(await ctx.store.clients.get('app.team')).toMatchObject({ secrets: [], metadata: { token_endpoint_auth_method: 'private_key_jwt', jwks } });
    expect(client()!.status?.secretName).toBeUndefined();
    expect(ready()).toMatchObject({ status: 'True' });
  });

  it('reports an invalid spec without making a Secret or a record, and does not requeue', async () => {
    const { cluster, ctx, ready } = setup({ grantTypes: ['authorization_code'] });
    expect(await reconcile(ctx, 'team/app')).toEqual({});
    expect(cluster.writes).toEqual(['patchClient team/app', 'patchClientStatus team/app']);
    expect(cluster.secrets.size).toBe(0);
    expect(await ctx.store.clients.list()).toEqual([]);
    expect(ready()).toMatchObject({ status: 'False', reason: 'InvalidSpec', message: 'redirectUris: at least one is required with the authorization_code grant' });
    expect(ctx.events.at(-1)).toMatchObject({ type: 'Warning', reason: 'InvalidSpec' });
    await reconcile(ctx, 'team/app');
    expect(cluster.writes).toHaveLength(2);
  });

  it('waits for a Secret it may not make (polling), then adopts it without touching its client_secret', async () => {
    const { cluster, ctx, client, ready } = setup({ secretName: 'given', generateSecret: false });
    expect(await reconcile(ctx, 'team/app')).toEqual({ requeueAfterMs: SECRET_POLL_MS });
    expect(ready()).toMatchObject({ status: 'False', reason: 'SecretMissing' });
    // No record holds app.team yet: the status (and kubectl get's CLIENT ID) does not claim it.
    expect(client()!.status).toMatchObject({ secretName: 'given' });
    expect(client()!.status?.clientId).toBeUndefined();
    expect(await ctx.store.clients.get('app.team')).toBeUndefined();

    cluster.secrets.set('team/given', userSecret('given'));
    expect(await reconcile(ctx, 'team/app')).toEqual({});
    expect(ready()).toMatchObject({ status: 'True', reason: 'Ready' });
    const secret = cluster.secrets.get('team/given')!;
    expect(secret.metadata?.labels).toEqual({ 'purser.dev/oauthclient': 'app' });
    expect(secret.metadata?.ownerReferences).toBeUndefined();
    expect(decoded(secret)).toMatchObject({ client_secret: USER_SECRET, client_id: 'app.team' });
    expect(matchesSecret((await ctx.store.clients.get('app.team'))!.secrets, USER_SECRET)).toBe(true);
  });

  it('reports StoreUnavailable and asks for a retry when the store fails', async () => {
    const store = createMemoryStore();
    store.clients.get = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    };
    const cluster = new FakeCluster([oauthClient('app')]);
    const ctx = testContext({ cluster, store });
    expect(await reconcile(ctx, 'team/app')).toEqual({ retry: true });
    expect(cluster.clients.get('team/app')!.status?.conditions?.[0]).toMatchObject({
      status: 'False',
      reason: 'StoreUnavailable',
      message: 'Redis did not answer (connect ECONNREFUSED 127.0.0.1:6379); retrying. Clients already in Redis keep working.',
    });
  });

  it('creates a new Secret without reading it first; one that exists unlabelled is read after the create is refused, and left alone', async () => {
    const fresh = setup();
    const read = vi.spyOn(fresh.cluster.api, 'readSecret');
    await reconcile(fresh.ctx, 'team/app');
    // One request less per new client: a GET that could only answer 404.
    expect(read).not.toHaveBeenCalled();
    expect(fresh.ready()).toMatchObject({ status: 'True', reason: 'Ready' });

    // Made by someone else, not labelled: the Secret informer does not see it.
    const unmarked: V1Secret = { metadata: { name: 'app-oauth-client', namespace: 'team', uid: 'uid-theirs', resourceVersion: '7' }, data: { client_secret: Buffer.from(USER_SECRET).toString('base64') } };
    const taken = setup({}, [unmarked]);
    expect(await reconcile(taken.ctx, 'team/app')).toEqual({ requeueAfterMs: SECRET_POLL_MS });
    expect(taken.ready()).toMatchObject({ status: 'False', reason: 'SecretNotMarked' });
    expect(taken.cluster.writes).not.toContain('createSecret team/app-oauth-client');
    expect(decoded(taken.cluster.secrets.get('team/app-oauth-client'))).toEqual({ client_secret: USER_SECRET });
  });

  it("refuses to serve another OAuthClient's Secret", async () => {
    const cluster = new FakeCluster([oauthClient('owner'), oauthClient('other', { secretName: 'owner-oauth-client' })]);
    const ctx = testContext({ cluster });
    await reconcile(ctx, 'team/owner');
    expect(await reconcile(ctx, 'team/other')).toEqual({ requeueAfterMs: SECRET_POLL_MS });
    expect(cluster.clients.get('team/other')!.status?.conditions?.[0]).toMatchObject({ reason: 'SecretInvalid', message: "Secret owner-oauth-client belongs to OAuthClient owner; name a Secret of this client's own in secretName" });
    expect(decoded(cluster.secrets.get('team/owner-oauth-client')).client_id).toBe('owner.team');
    expect(await ctx.store.clients.get('other.team')).toBeUndefined();
  });

  it('keeps what it served in the status while the store is down', async () => {
    const { cluster, ctx, client } = setup();
    await reconcile(ctx, 'team/app');
    ctx.store.clients.get = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    };
    expect(await reconcile(ctx, 'team/app')).toEqual({ retry: true });
    expect(client()!.status).toMatchObject({ clientId: 'app.team', secretName: 'app-oauth-client', conditions: [{ reason: 'StoreUnavailable' }] });
    expect(cluster.writes.at(-1)).toBe('patchClientStatus team/app');
  });

  it('retires the client_id it served when spec.clientId replaces it: record gone, tokens revoked, an Event says so', async () => {
    const { cluster, ctx, client } = setup();
    await reconcile(ctx, 'team/app');
    const revoke = vi.spyOn(ctx.store.artifacts, 'revokeByClientId');
    const resource = cluster.clients.get('team/app')!;
    resource.spec = { ...resource.spec, clientId: 'app-v2' };
    resource.metadata.generation = 2;
    await reconcile(ctx, 'team/app');
    expect((await ctx.store.clients.list()).map((record) => record.clientId)).toEqual(['app-v2']);
    expect(revoke).toHaveBeenCalledWith('app.team');
    expect(client()!.status).toMatchObject({ clientId: 'app-v2', observedGeneration: 2 });
    expect(ctx.events.map((event) => event.reason)).toContain('ClientIdChanged');
    await reconcile(ctx, 'team/app');
    expect(revoke).toHaveBeenCalledTimes(2); // once, and once more after requests in flight settled
  });

  it('rotates: a new client_secret keeps the previous one working for the overlap, and reconciles when it ends', async () => {
    const { cluster, ctx, client } = setup({ secretName: 'given' }, [userSecret('given')]);
    await reconcile(ctx, 'team/app');
    const rotated = 'rotated-secret-0123456789abcdefghijklmnopq';
    cluster.secrets.get('team/given')!.data!.client_secret = Buffer.from(rotated).toString('base64');
    ctx.advance(10);
    // Again a second after the overlap ends (the clock stands at 12:00:10.250; the record keeps whole seconds).
    expect(await reconcile(ctx, 'team/app')).toEqual({ requeueAfterMs: 3600_000 - 250 + 1000 });
    const record = (await ctx.store.clients.get('app.team'))!;
    expect([USER_SECRET, rotated].map((secret) => matchesSecret(record.secrets, secret, Date.parse('2025-06-01T12:30:00Z') / 1000))).toEqual([true, true]);
    expect(client()!.status?.previousSecretExpiresAt).toBe('2025-06-01T13:00:10Z');
    expect(ctx.events.at(-1)).toMatchObject({ reason: 'SecretRotated', message: 'the client secret changed; the previous one keeps working until 2025-06-01T13:00:10.000Z' });

    ctx.advance(3601);
    expect(await reconcile(ctx, 'team/app')).toEqual({});
    expect((await ctx.store.clients.get('app.team'))!.secrets).toHaveLength(1);
    expect(client()!.status?.previousSecretExpiresAt).toBeUndefined();
  });

  it('gives a contested client_id to the oldest resource; the other gets no Secret and takes over once it is gone', async () => {
    const { owner, late } = contestants();
    const cluster = new FakeCluster([late, owner]);
    const ctx = testContext({ cluster });
    await reconcile(ctx, 'team/late');
    await reconcile(ctx, 'team/owner');
    expect(cluster.clients.get('team/late')!.status?.conditions?.[0]).toMatchObject({ reason: 'ClientIdConflict' });
    expect([...cluster.secrets.keys()]).toEqual(['team/owner-oauth-client']);

    cluster.clients.get('team/owner')!.metadata.deletionTimestamp = '2025-06-01T12:00:00Z' as unknown as Date;
    expect(await reconcile(ctx, 'team/owner')).toEqual({ requeueAfterMs: IN_FLIGHT_SETTLE_MS });
    ctx.advance(IN_FLIGHT_SETTLE_MS / 1000);
    await reconcile(ctx, 'team/owner');
    expect(ctx.enqueued).toEqual(['team/late']);
    await reconcile(ctx, 'team/late');
    expect(cluster.clients.get('team/late')!.status?.conditions?.[0]).toMatchObject({ status: 'True', reason: 'Ready' });
    expect((await ctx.store.clients.get('shared'))?.owner).toBe('team/late');
  });

  it('on deletion removes the record and revokes at once, then after the in-flight settle (without waiting in the worker) revokes again, deletes the Secret it made but not a user one, drops the finalizer', async () => {
    const cluster = new FakeCluster([oauthClient('app'), oauthClient('byo', { secretName: 'given' })], [userSecret('given', USER_SECRET, 'byo')]);
    const ctx = testContext({ cluster });
    await reconcile(ctx, 'team/app');
    await reconcile(ctx, 'team/byo');
    const revoke = vi.spyOn(ctx.store.artifacts, 'revokeByClientId');
    const writesBefore = cluster.writes.length;

    for (const name of ['app', 'byo']) cluster.clients.get(`team/${name}`)!.metadata.deletionTimestamp = '2025-06-01T12:00:00Z' as unknown as Date;
    expect(await reconcile(ctx, 'team/app')).toEqual({ requeueAfterMs: IN_FLIGHT_SETTLE_MS });
    expect(await ctx.store.clients.list()).toHaveLength(1);
    ctx.advance(0.4);
    expect(await reconcile(ctx, 'team/byo')).toEqual({ requeueAfterMs: IN_FLIGHT_SETTLE_MS });
    expect(await ctx.store.clients.list()).toEqual([]);
    expect(cluster.writes.slice(writesBefore)).toEqual([]);
    // Too early for app: the rest of its wait.
    expect(await reconcile(ctx, 'team/app')).toEqual({ requeueAfterMs: 600 });
    ctx.advance(0.6);
    expect(await reconcile(ctx, 'team/app')).toEqual({});
    ctx.advance(0.4);
    expect(await reconcile(ctx, 'team/byo')).toEqual({});
    expect(cluster.writes.slice(writesBefore)).toEqual(['deleteSecret team/app-oauth-client', 'patchClient team/app', 'patchClient team/byo']);
    expect(revoke.mock.calls).toEqual([['app.team'], ['byo.team'], ['app.team'], ['byo.team']]);
    expect(await ctx.store.clients.list()).toEqual([]);
    expect([...cluster.secrets.keys()]).toEqual(['team/given']);
    // The finalizer was the last one: the API server removed both.
    expect(cluster.clients.size).toBe(0);
    expect(await reconcile(ctx, 'team/app')).toEqual({});
    expect(cluster.writes.length).toBe(writesBefore + 3);
  });

  it('on deletion revokes again once requests in flight have settled, taking a token issued in between', async () => {
    const { cluster, ctx } = setup();
    await reconcile(ctx, 'team/app');
    cluster.clients.get('team/app')!.metadata.deletionTimestamp = '2025-06-01T12:00:00Z' as unknown as Date;
    expect(await reconcile(ctx, 'team/app')).toEqual({ requeueAfterMs: IN_FLIGHT_SETTLE_MS });
    // A replica that authenticated the client just before its record went finishes writing the token now.
    await ctx.store.artifacts.upsert('ClientCredentials', 'late-token', { clientId: 'app.team' }, 3600);
    ctx.advance(IN_FLIGHT_SETTLE_MS / 1000);
    expect(await reconcile(ctx, 'team/app')).toEqual({});
    expect(await ctx.store.artifacts.find('ClientCredentials', 'late-token')).toBeUndefined();
    expect(cluster.clients.has('team/app')).toBe(false);
  });

  it('keeps a record that another resource owns when a losing claimant is deleted', async () => {
    const { owner, late } = contestants();
    const cluster = new FakeCluster([owner, late]);
    const ctx = testContext({ cluster });
    await reconcile(ctx, 'team/owner');
    await reconcile(ctx, 'team/late');
    const revoke = vi.spyOn(ctx.store.artifacts, 'revokeByClientId');
    cluster.clients.get('team/late')!.metadata.deletionTimestamp = '2025-06-01T12:00:00Z' as unknown as Date;
    await reconcile(ctx, 'team/late');
    expect(revoke).not.toHaveBeenCalled();
    expect((await ctx.store.clients.get('shared'))?.owner).toBe('team/owner');
    expect(cluster.clients.has('team/late')).toBe(false);
  });

  it('does nothing for a key that is gone', async () => {
    const { cluster, ctx } = setup();
    expect(await reconcile(ctx, 'team/nobody')).toEqual({});
    expect(cluster.writes).toEqual([]);
  });

  it('with deletionPolicy Orphan drops only the finalizer: the record (marked orphaned) and its tokens stay, drift leaves it, and a new claimant adopts it', async () => {
    const cluster = new FakeCluster([oauthClient('old', { clientId: 'moving', deletionPolicy: 'Orphan' })]);
    const ctx = testContext({ cluster });
    await reconcile(ctx, 'team/old');
    await ctx.store.artifacts.upsert('ClientCredentials', 'issued', { clientId: 'moving' }, 3600);
    cluster.clients.get('team/old')!.metadata.deletionTimestamp = '2025-06-01T12:00:00Z' as unknown as Date;
    expect(await reconcile(ctx, 'team/old')).toEqual({});
    expect(cluster.clients.has('team/old')).toBe(false);
    expect(await ctx.store.clients.get('moving')).toMatchObject({ owner: 'team/old', orphaned: true });
    expect(await ctx.store.artifacts.find('ClientCredentials', 'issued')).toBeDefined();
    // The Secret stays, without the owner reference that would let Kubernetes' garbage collector delete it.
    expect(cluster.secrets.get('team/old-oauth-client')?.metadata?.ownerReferences).toBeUndefined();
    expect(await removeOrphanRecords(ctx)).toEqual([]);

    cluster.clients.set('team/new', oauthClient('new', { clientId: 'moving' }));
    await reconcile(ctx, 'team/new');
    expect(await ctx.store.clients.get('moving')).toMatchObject({ owner: 'team/new' });
    expect((await ctx.store.clients.get('moving'))?.orphaned).toBeUndefined();
  });
});
