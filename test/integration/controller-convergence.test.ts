// Convergence and status that tell the truth, through the real kube-apiserver and Redis: names up to the limits
// Kubernetes sets converge (or are refused at apply time), a client record gone from Redis is noticed and written
// again within seconds (the resync is ten minutes away), `kubectl get` shows why a client is not Ready and no client_id
// it does not hold, CEL refusals name the field, a Ready transition has exactly one Event even when the controller
// dies between the Event and the status, deletionPolicy Orphan keeps the client and its tokens (new ones for an
// OAuthAPI's audience wait for an OAuthClient the API admits), and a leaked secret is killed at once with
// secretRotation.overlap 0s. The services' audience is declared by an OAuthAPI (PURSER_TENANCY=enforced, the default).
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';

import { OPEN_POLICY } from '../../src/api/tenancy.ts';
import { API_GROUP, API_VERSION, KIND, type OAuthClientSpec } from '../../src/api/types.ts';
import { eventRecorder } from '../../src/controller/events.ts';
import type { RunningController } from '../../src/controller/index.ts';
import { createKubeApi, loadKubeConfig, statusCodeOf, type KubeApi, type OAuthClientResource } from '../../src/controller/kube.ts';
import { labelValueOf } from '../../src/controller/label-value.ts';
import type { ReconcileContext } from '../../src/controller/reconcile/context.ts';
import { reconcile } from '../../src/controller/reconcile/index.ts';
import { CLIENT_LABEL, secretCreatedMessage } from '../../src/controller/reconcile/secret.ts';
import { createLogger } from '../../src/log.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import type { Store } from '../../src/store/types.ts';
import { admittingApi, controllerKubeconfig, createNamespace, kubeClients, kubectl, kubectlOk, readyOf, secretData, serviceAccountKubeconfig, startTestController, waitFor, waitForAdmitted, waitForReady } from '../support/kube.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { connectTestRedis, uniquePrefix } from '../support/redis.ts';
import { oauthFailure } from '../support/rp.ts';

const API = 'https://api.convergence.test';

let server: TestServer;
let store: Store;
let kube: ReturnType<typeof kubeClients>;

const oauthClient = (name: string, spec: OAuthClientSpec) => stringify({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, metadata: { name }, spec });
const service = (extra: OAuthClientSpec = {}): OAuthClientSpec => ({ grantTypes: ['client_credentials'], scopes: ['a:read'], audiences: [API], accessToken: { format: 'opaque' }, ...extra });
const apply = (namespace: string, ...manifests: string[]) => kubectl(['apply', '-n', namespace, '-f', '-'], { input: manifests.join('---\n') });

interface Credentials {
  clientId: string;
  secret: string;
}

async function credentialsOf(namespace: string, secretName: string): Promise<Credentials> {
  const secret = await kube.getSecret(namespace, secretName);
  if (!secret) throw new Error(`no Secret ${namespace}/${secretName}`);
  const { client_id, client_secret } = secretData(secret);
  return { clientId: client_id!, secret: client_secret! };
}

const token = async ({ clientId, secret }: Credentials) =>
  oidc.clientCredentialsGrant(await oidc.discovery(new URL(server.issuer), clientId, { client_secret: secret }, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] }), { scope: 'a:read' });

const eventsOf = async (namespace: string, name: string) => (await kube.listEvents(namespace)).filter((event) => event.involvedObject.kind === KIND && event.involvedObject.name === name);

beforeAll(async () => {
  kube = kubeClients();
  const prefix = uniquePrefix('controller-convergence');
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: await writeFixtures(), clientsDir: false });
  store = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix });
});

afterAll(async () => {
  await store?.close();
  await server?.close();
});

// The resync is ten minutes away: whatever converges here, the watches and the catalog watch did it.
describe('with a controller whose resync is far away', () => {
  let namespace: string;
  let controller: RunningController;

  beforeAll(async () => {
    namespace = await createNamespace('convergence');
    controller = await startTestController({ kubeconfig: await controllerKubeconfig(namespace), prefix: server.prefix, issuer: server.issuer, namespaces: [namespace], flags: ['--resync-period=10m'] });
    // The API the services get tokens for admits every client here.
    expect((await apply(namespace, admittingApi(namespace, 'api', API, ['a:read']))).code).toBe(0);
  });
  afterAll(async () => {
    await kubectl(['delete', 'oauthclients', '--all', '-n', namespace, '--wait=true', '--timeout=30s']);
    await controller?.stop();
  });

  describe('names Kubernetes limits', () => {
    it('serves an OAuthClient whose name is too long for a label value: its Secret carries a shortened label, and a deleted Secret is noticed', async () => {
      const name = `a-name-that-is-longer-than-a-label-value-may-be-${'x'.repeat(30)}`;
      expect(name.length).toBeGreaterThan(63);
      expect((await apply(namespace, oauthClient(name, service()))).code).toBe(0);
      const ready = await waitForAdmitted(namespace, name);
      expect(ready.status?.clientId).toBe(`${name}.${namespace}`);
      const secret = (await kube.getSecret(namespace, `${name}-oauth-client`))!;
      expect(secret.metadata!.labels![CLIENT_LABEL]).toBe(labelValueOf(name));
      expect(labelValueOf(name)).toHaveLength(63);
      const readyEvents = (await eventsOf(namespace, name)).filter((event) => event.reason === 'Ready');
      expect(readyEvents.map((event) => event.message)).toEqual([expect.stringContaining(`; created Secret ${name}-oauth-client with a generated client secret`)]);
      const before = await credentialsOf(namespace, `${name}-oauth-client`);
      expect((await token(before)).access_token).toEqual(expect.any(String));

      // The Secret's watch event finds its OAuthClient through the shortened label (or the owner reference).
      await kubectlOk(['delete', 'secret', `${name}-oauth-client`, '-n', namespace]);
      const after = await waitFor('a new Secret', async () => {
        const found = await kube.getSecret(namespace, `${name}-oauth-client`);
        return found && secretData(found).client_secret;
      });
      expect(after).not.toBe(before.secret);
    });

    it('refuses at apply time a name whose default Secret name would be too long, naming the field', async () => {
      const name = `n${'x'.repeat(240)}`;
      const result = await apply(namespace, oauthClient(name, service()));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('metadata.name: Invalid value');
      expect(result.stderr).toContain('at most 240 characters, so that the default Secret <name>-oauth-client is a valid name; use a shorter name or set spec.secretName');
      // With a Secret name of its own (and a client_id: the default one would be over 200 characters), the same name is fine.
      // The Secret is the user's, labelled for the client (a long name's label value is shortened: labelValueOf).
      const credentials = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'long-name-credentials', labels: { [CLIENT_LABEL]: labelValueOf(name) } }, stringData: { client_secret: 'long-name-credentials-0123456789abcdefghijkl' } };
      expect((await apply(namespace, stringify(credentials), oauthClient(name, service({ secretName: 'long-name-credentials', clientId: `long-name.${namespace}` })))).code).toBe(0);
      await waitForReady(namespace, name);
    });

    it('reports a default client_id over 200 characters as InvalidSpec, with what to do', async () => {
      const name = `c${'x'.repeat(200)}`;
      expect((await apply(namespace, oauthClient(name, service({ secretName: 'long-id-credentials' })))).code).toBe(0);
      const invalid = await waitForReady(namespace, name, 'False', 'InvalidSpec');
      expect(readyOf(invalid)!.message).toContain('more than 200: set spec.clientId');
      expect(invalid.status?.clientId).toBeUndefined();
    });
  });

  describe('a client record gone from Redis', () => {
    it('is written again within seconds, with a Warning Event, and tokens flow again', async () => {
      expect((await apply(namespace, oauthClient('flushed', service()))).code).toBe(0);
      const { status } = await waitForAdmitted(namespace, 'flushed');
      const credentials = await credentialsOf(namespace, 'flushed-oauth-client');
      expect((await token(credentials)).access_token).toEqual(expect.any(String));

      // Deleted by hand, without the controller (a FLUSHALL or a failover to an empty replica looks the same to it).
      const redis = connectTestRedis();
      try {
        expect(await redis.del(`${server.prefix}client:${status!.clientId}`)).toBe(1);
      } finally {
        await redis.quit();
      }
      await waitFor('the record written again', async () => (await store.clients.get(status!.clientId!)) !== undefined, 15_000, 200);
      const restored = await waitFor('a ClientRecordRestored Event', async () => (await eventsOf(namespace, 'flushed')).find((event) => event.reason === 'ClientRecordRestored'));
      expect(restored.type).toBe('Warning');
      expect(readyOf(await kube.getClient(namespace, 'flushed'))?.status).toBe('True');
      await waitFor('a token again', async () => (await token(credentials).catch(() => undefined))?.access_token, 10_000, 200);
    });
  });

  describe('kubectl get', () => {
    it('shows why a client is not Ready, and no CLIENT ID for a client that holds none', async () => {
      expect((await apply(namespace, oauthClient('waiting', service({ secretName: 'not-yet', generateSecret: false })))).code).toBe(0);
      const missing = await waitForReady(namespace, 'waiting', 'False', 'SecretMissing');
      expect(missing.status?.clientId).toBeUndefined();
      const [header, row] = (await kubectlOk(['get', 'oac', 'waiting', '-n', namespace])).trim().split('\n');
      expect(header).toMatch(/^NAME\s+CLIENT ID\s+GRANTS\s+READY\s+REASON\s+AGE$/);
      // CLIENT ID and GRANTS are empty: nothing is served under this resource.
      expect(row).toMatch(/^waiting\s+False\s+SecretMissing\s+\d+s$/);
    });
  });

  describe('deletionPolicy Orphan', () => {
    it('removes the resource and keeps the client, its tokens and its Secret (without the owner reference); the OAuthAPI no longer admits it', async () => {
      expect((await apply(namespace, oauthClient('migrating', service({ deletionPolicy: 'Orphan' })))).code).toBe(0);
      const { status } = await waitForAdmitted(namespace, 'migrating');
      const credentials = await credentialsOf(namespace, 'migrating-oauth-client');
      const issued = (await token(credentials)).access_token;

      await kubectlOk(['delete', 'oauthclient', 'migrating', '-n', namespace, '--wait=true', '--timeout=20s']);
      const secret = (await kube.getSecret(namespace, 'migrating-oauth-client'))!;
      expect(secret.metadata!.ownerReferences ?? []).toEqual([]);
      expect(await store.clients.get(status!.clientId!)).toMatchObject({ clientId: status!.clientId, orphaned: true });
      // The client itself still authenticates; new tokens for an OAuthAPI's audience wait for an OAuthClient that the
      // API admits (the new owner's, after the migration): admission is decided from OAuthClient resources.
      await waitFor('the OAuthAPI to drop the orphaned client', async () => !(await store.apis.get(API))?.clients[status!.clientId!]);
      expect(await oauthFailure(token(credentials))).toMatchObject({ status: 400, error: 'invalid_target' });
      const introspected = await oidc.tokenIntrospection(
        await oidc.discovery(new URL(server.issuer), credentials.clientId, { client_secret: credentials.secret }, oidc.ClientSecretBasic(credentials.secret), { execute: [oidc.allowInsecureRequests] }),
        issued,
      );
      expect(introspected.active).toBe(true);
    });
  });

  describe('a leaked client secret', () => {
    it('stops working at once with secretRotation.overlap 0s and the Secret deleted; the new one works', async () => {
      expect((await apply(namespace, oauthClient('leaky', service()))).code).toBe(0);
      await waitForAdmitted(namespace, 'leaky');
      const leaked = await credentialsOf(namespace, 'leaky-oauth-client');

      expect((await apply(namespace, oauthClient('leaky', service({ secretRotation: { overlap: '0s' } })))).code).toBe(0);
      await waitForReady(namespace, 'leaky');
      await kubectlOk(['delete', 'secret', 'leaky-oauth-client', '-n', namespace]);
      const fresh = await waitFor('a new secret', async () => {
        const found = await kube.getSecret(namespace, 'leaky-oauth-client');
        const value = found && secretData(found).client_secret;
        return value && value !== leaked.secret ? { clientId: leaked.clientId, secret: value } : undefined;
      });
      await waitFor('the new secret served', async () => (await token(fresh).catch(() => undefined))?.access_token, 10_000, 100);
      expect(await oauthFailure(token(leaked))).toMatchObject({ status: 401, error: 'invalid_client' });
      expect((await kube.getClient(namespace, 'leaky')).status?.previousSecretExpiresAt).toBeUndefined();
    });
  });
});

describe('CEL refusals name the field', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await createNamespace('convergence-cel');
  });

  it.each([
    ['a public client with generateSecret', { public: true, grantTypes: ['authorization_code'], redirectUris: ['https://a.test/cb'], generateSecret: true } as OAuthClientSpec, 'spec.generateSecret: Forbidden'],
    ['a public client with secretName', { public: true, grantTypes: ['authorization_code'], redirectUris: ['https://a.test/cb'], secretName: 's' } as OAuthClientSpec, 'spec.secretName: Forbidden'],
    ['a native app claiming https on loopback', { grantTypes: ['authorization_code'], redirectUris: ['com.example.app:/cb', 'https://127.0.0.1/cb'] } as OAuthClientSpec, 'spec.redirectUris: Invalid value'],
    ['an overlap that is no duration', { secretRotation: { overlap: 'soon' } }, 'spec.secretRotation.overlap: Invalid value'],
  ])('%s', async (_, spec, field) => {
    const result = await apply(namespace, oauthClient('refused', spec));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(field);
    expect(result.stderr).not.toMatch(/ spec: Invalid value/);
  });
});

/**
 * A reconcile context of the test's own, over the real API server (`kube`, a KubeApi with faults of the test's
 * choosing) and Redis. Reads go to the API server each time (`current`): what a new leader's fresh caches would hold.
 */
function reconcileContext(kube: KubeApi, current: () => OAuthClientResource): ReconcileContext {
  const log = createLogger({ level: 'silent', format: 'json' });
  return {
    kube,
    clients: { get: current, list: () => [current()], withClientId: () => [current()] },
    secrets: { get: () => undefined, list: () => [] },
    store,
    watches: () => true,
    issuer: server.issuer,
    tenancy: OPEN_POLICY,
    secretRotationOverlap: 3600,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    removals: new Map(),
    recordEvent: eventRecorder(kube, log),
    enqueue: () => {},
    log,
  };
}

// A controller killed between recording a Ready Event and writing the status it announces: the next attempt (this
// process again, or the leader after a failover) must not record a second Event.
describe('a Ready transition', () => {
  it('has exactly one Event when the status write after it fails (a controller killed in between)', async () => {
    const namespace = await createNamespace('convergence-once');
    expect((await apply(namespace, oauthClient('announced', service()))).code).toBe(0);
    const kubeApi = createKubeApi(loadKubeConfig(inject('kubeconfig')));
    let killed = false;
    let current = (await kube.getClient(namespace, 'announced')) as OAuthClientResource;
    const ctx = reconcileContext(
      {
        ...kubeApi,
        patchClientStatus: async (...args) => {
          if (!killed) {
            killed = true;
            throw new Error('killed before the status was written');
          }
          return kubeApi.patchClientStatus(...args);
        },
      },
      () => current,
    );
    await expect(reconcile(ctx, `${namespace}/announced`)).rejects.toThrow('killed before the status was written');
    expect((await eventsOf(namespace, 'announced')).filter((event) => event.reason === 'Ready')).toHaveLength(1);

    current = (await kube.getClient(namespace, 'announced')) as OAuthClientResource;
    expect(await reconcile(ctx, `${namespace}/announced`)).toEqual({});
    expect(readyOf(await kube.getClient(namespace, 'announced'))?.status).toBe('True');
    expect((await eventsOf(namespace, 'announced')).filter((event) => event.reason === 'Ready')).toHaveLength(1);

    // The next transition is a new Event.
    await kubectlOk(['patch', 'oac', 'announced', '-n', namespace, '--type=merge', '-p', JSON.stringify({ spec: { secretName: 'gone', generateSecret: false } })]);
    current = (await kube.getClient(namespace, 'announced')) as OAuthClientResource;
    await reconcile(ctx, `${namespace}/announced`);
    expect((await eventsOf(namespace, 'announced')).map((event) => event.reason).sort()).toEqual(['Ready', 'SecretMissing']);
  });

  it("names a new client's Secret even when the API server refused the first Ready Event after the Secret was created", async () => {
    const namespace = await createNamespace('convergence-unrecorded');
    expect((await apply(namespace, oauthClient('unrecorded', service()))).code).toBe(0);
    const kubeApi = createKubeApi(loadKubeConfig(inject('kubeconfig')));
    // A real refusal: the first Event is created as a ServiceAccount with no rights (403 Forbidden).
    await kubectlOk(['create', 'serviceaccount', 'no-rights', '-n', namespace]);
    const forbidden = createKubeApi(loadKubeConfig(await serviceAccountKubeconfig(namespace, 'no-rights')));
    let refuse = true;
    let current = (await kube.getClient(namespace, 'unrecorded')) as OAuthClientResource;
    const ctx = reconcileContext({ ...kubeApi, createEvent: (...args) => (refuse ? forbidden : kubeApi).createEvent(...args) }, () => current);

    const refused = await reconcile(ctx, `${namespace}/unrecorded`).catch((error: unknown) => error);
    expect(statusCodeOf(refused)).toBe(403);
    expect(await kube.getSecret(namespace, 'unrecorded-oauth-client')).toBeDefined();
    expect(await eventsOf(namespace, 'unrecorded')).toEqual([]);

    refuse = false;
    current = (await kube.getClient(namespace, 'unrecorded')) as OAuthClientResource;
    expect(await reconcile(ctx, `${namespace}/unrecorded`)).toEqual({});
    expect(readyOf(await kube.getClient(namespace, 'unrecorded'))?.status).toBe('True');
    const events = await eventsOf(namespace, 'unrecorded');
    expect(events.map((event) => [event.reason, event.message])).toEqual([['Ready', expect.stringContaining(`; ${secretCreatedMessage('unrecorded-oauth-client')}`)]]);

    // Named once: the next transition's Event (the status holds Ready now) does not name it again.
    await kubectlOk(['patch', 'oac', 'unrecorded', '-n', namespace, '--type=merge', '-p', JSON.stringify({ spec: { secretName: 'gone', generateSecret: false } })]);
    current = (await kube.getClient(namespace, 'unrecorded')) as OAuthClientResource;
    await reconcile(ctx, `${namespace}/unrecorded`);
    const later = await eventsOf(namespace, 'unrecorded');
    expect(later.map((event) => event.reason).sort()).toEqual(['Ready', 'SecretMissing']);
    expect(later.filter((event) => event.message?.includes(secretCreatedMessage('unrecorded-oauth-client')))).toHaveLength(1);
  });
});
