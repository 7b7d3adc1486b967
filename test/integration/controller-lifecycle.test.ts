// The life of an OAuthClient after its first apply, end to end: the real kubectl against a real kube-apiserver, the
// controller running as its least-privileged ServiceAccount, and a server sharing Redis, driven by openid-client.
// Updates take effect, deletion revokes what was issued, a claimed client_id stays with its owner, Secrets are
// waited for, judged and rotated, records without a resource are removed, and a resync with nothing to do writes
// nothing. Secrets the controller is not told about get a controller of their own that never resyncs in time, so
// that only its own polling can notice them.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import type { CoreV1Event } from '@kubernetes/client-node';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';

import { toClientRecord } from '../../src/api/client-record.ts';
import { API_GROUP, API_VERSION, KIND, type OAuthClientSpec } from '../../src/api/types.ts';
import type { RunningController } from '../../src/controller/index.ts';
import { CLIENT_LABEL } from '../../src/controller/reconcile/secret.ts';
import { clientTag } from '../../src/store/keys.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import { hashSecret } from '../../src/store/secret-hash.ts';
import type { Store } from '../../src/store/types.ts';
import { Browser } from '../support/browser.ts';
import { admittingApi, controllerKubeconfig, createNamespace, kubeClients, kubectl, kubectlOk, readyOf, secretData, startTestController, waitFor, waitForAdmitted, waitForReady } from '../support/kube.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { connectTestRedis, uniquePrefix } from '../support/redis.ts';
import { codeFlow, oauthFailure, REDIRECT_URI } from '../support/rp.ts';

const RESYNC_SECONDS = 2;
const OVERLAP_SECONDS = 4;
const API = 'https://api.lifecycle.test';

let server: TestServer;
let store: Store;
let kube: ReturnType<typeof kubeClients>;

// ---------------------------------------------------------------------------------------------------------------
// Manifests, credentials and the OAuth calls the tests repeat.

const oauthClient = (name: string, spec: OAuthClientSpec) => stringify({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, metadata: { name }, spec });
/** A Secret of the user's, labelled for the OAuthClient `client` (the controller adopts no other). */
const userSecret = (name: string, clientSecret: string, client: string) =>
  stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, labels: { [CLIENT_LABEL]: client } }, stringData: { client_secret: clientSecret } });

/** A service: client_credentials, opaque tokens for API. */
const service = (scopes: string[], extra: OAuthClientSpec = {}): OAuthClientSpec => ({ grantTypes: ['client_credentials'], scopes, audiences: [API], accessToken: { format: 'opaque' }, ...extra });
/** A web app signing users in, with refresh tokens. */
const webApp = (redirectUris: string[], extra: OAuthClientSpec = {}): OAuthClientSpec => ({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris, scopes: ['openid', 'offline_access'], skipConsent: true, ...extra });

/** A client secret a user might supply: long enough, and different every time. */
const newSecret = (label: string) => `${label}-${randomBytes(16).toString('hex')}`;

const apply = (namespace: string, ...manifests: string[]) => kubectlOk(['apply', '-n', namespace, '-f', '-'], { input: manifests.join('---\n') });
const remove = (namespace: string, ...names: string[]) => kubectlOk(['delete', 'oauthclient', ...names, '-n', namespace, '--wait=true', '--timeout=20s']);

interface Credentials {
  clientId: string;
  secret: string;
}

/** What a workload reads from the client's Secret. */
async function credentialsOf(namespace: string, secretName: string): Promise<Credentials> {
  const secret = await kube.getSecret(namespace, secretName);
  if (!secret) throw new Error(`no Secret ${namespace}/${secretName}`);
  const { client_id, client_secret } = secretData(secret);
  return { clientId: client_id!, secret: client_secret! };
}

const relyingParty = ({ clientId, secret }: Credentials) =>
  oidc.discovery(new URL(server.issuer), clientId, { client_secret: secret }, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });

const token = async (credentials: Credentials, scope?: string) => oidc.clientCredentialsGrant(await relyingParty(credentials), scope ? { scope } : {});

const introspect = async (as: Credentials, value: string) => oidc.tokenIntrospection(await relyingParty(as), value);

/** Where a browser sent to /auth with `redirectUri` ends up: a rendered page (login or error), or a redirect. */
async function authorizationEndpoint(clientId: string, redirectUri: string) {
  const challenge = await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier());
  const query = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256' });
  const browser = new Browser();
  const page = await browser.follow(await browser.get(`${server.url}/auth?${query}`), redirectUri);
  const detail = (term: string) => new RegExp(`<dt>${term}</dt><dd><code>([^<]*)</code></dd>`).exec(page.body)?.[1];
  return { status: page.status, signIn: page.body.includes('name="password"'), error: detail('Error'), error_description: detail('Description') };
}

const eventsOf = async (namespace: string, name: string): Promise<CoreV1Event[]> =>
  (await kube.listEvents(namespace)).filter((event) => event.involvedObject.kind === KIND && event.involvedObject.name === name);

const waitForEvent = (namespace: string, name: string, type: 'Normal' | 'Warning', reason: string) =>
  waitFor(`${type} Event ${reason} for ${namespace}/${name}`, async () => (await eventsOf(namespace, name)).find((event) => event.type === type && event.reason === reason));

/**
 * The Redis keys of what was issued to `clientId`: artifacts (hashes: grants, codes, tokens) whose payload names it,
 * and every key in its slot (its client_credentials tokens and its indexes). Not its catalog record.
 */
async function issuedKeysOf(clientId: string): Promise<string[]> {
  const redis = connectTestRedis();
  try {
    const found: string[] = [];
    const mentions = `"clientId":${JSON.stringify(clientId)}`;
    for await (const keys of redis.scanStream({ match: `${server.prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
      for (const key of keys) {
        const values = (await redis.type(key)) === 'hash' ? await redis.hvals(key) : [];
        if (key.includes(`{${clientTag(clientId)}}`) || values.some((value) => value.includes(mentions))) found.push(key);
      }
    }
    return found;
  } finally {
    await redis.quit();
  }
}

/** How many reconciles the controller has finished, of one result (ok, requeue, retry, error) or all. */
async function reconciles(controller: RunningController, result = '[a-z]+'): Promise<number> {
  const metrics = await (await fetch(`${controller.healthUrl}/metrics`)).text();
  const counts = metrics.matchAll(new RegExp(`^purser_controller_reconcile_total\\{result="${result}"\\} (\\d+)$`, 'gm'));
  return [...counts].reduce((sum, [, count]) => sum + Number(count), 0);
}

/** A namespace of its own, watched by a controller of its own (all sharing the server's Redis prefix). */
async function install(name: string, flags: string[]): Promise<{ namespace: string; controller: RunningController }> {
  const namespace = await createNamespace(name);
  const kubeconfig = await controllerKubeconfig(namespace);
  // First-party: the web apps here skip consent (the browser helper signs in without a consent page).
  const controller = await startTestController({ kubeconfig, prefix: server.prefix, issuer: server.issuer, namespaces: [namespace], flags: [`--first-party-namespaces=${namespace}`, ...flags] });
  // The API the services get tokens for admits every client here; resource-server may introspect its tokens.
  await apply(namespace, admittingApi(namespace, 'api', API, ['a:read', 'a:write'], ['resource-server']));
  return { namespace, controller };
}

async function uninstall(installation: { namespace: string; controller: RunningController } | undefined): Promise<void> {
  if (!installation) return;
  // No namespace controller here: the OAuthClients go while their controller runs (finalizers), the namespace stays.
  await kubectl(['delete', 'oauthclients', '--all', '-n', installation.namespace, '--wait=true', '--timeout=20s']);
  await installation.controller.stop();
}

beforeAll(async () => {
  kube = kubeClients();
  const prefix = uniquePrefix('controller-lifecycle');
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: await writeFixtures(), clientsDir: false });
  store = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix });
});

afterAll(async () => {
  await store?.close();
  await server?.close();
});

// ---------------------------------------------------------------------------------------------------------------

describe(`with a resync every ${RESYNC_SECONDS}s and a ${OVERLAP_SECONDS}s secret rotation overlap`, () => {
  let installation: { namespace: string; controller: RunningController };
  let namespace: string;

  beforeAll(async () => {
    installation = await install('lifecycle', [`--secret-rotation-overlap=${OVERLAP_SECONDS}s`, `--resync-period=${RESYNC_SECONDS}s`]);
    namespace = installation.namespace;
  });
  afterAll(() => uninstall(installation));

  describe('an update', () => {
    it('grants a scope once the new generation is Ready', async () => {
      await apply(namespace, oauthClient('scoped', service(['a:read'])));
      await waitForAdmitted(namespace, 'scoped');
      const credentials = await credentialsOf(namespace, 'scoped-oauth-client');
      expect((await token(credentials, 'a:read')).scope).toBe('a:read');
      expect(await oauthFailure(token(credentials, 'a:write'))).toMatchObject({ status: 400, error: 'invalid_scope' });

      await kubectlOk(['patch', 'oauthclient', 'scoped', '-n', namespace, '--type=merge', '-p', JSON.stringify({ spec: { scopes: ['a:read', 'a:write'] } })]);
      const updated = await waitForAdmitted(namespace, 'scoped');
      expect(updated.metadata.generation).toBe(2);
      expect(updated.status?.observedGeneration).toBe(2);
      expect((await token(credentials, 'a:write')).scope).toBe('a:write');
    });

    it('moves a code-flow client to its new redirect URI: the old one is refused at /auth, the new one signs in', async () => {
      const [before, after] = ['http://127.0.0.1:9999/before', 'http://127.0.0.1:9999/after'];
      await apply(namespace, oauthClient('moving', webApp([before])));
      const { status } = await waitForReady(namespace, 'moving');
      expect(await authorizationEndpoint(status!.clientId!, before)).toMatchObject({ status: 200, signIn: true });

      await apply(namespace, oauthClient('moving', webApp([after])));
      await waitForReady(namespace, 'moving');
      expect(await authorizationEndpoint(status!.clientId!, before)).toMatchObject({ status: 400, signIn: false, error: 'invalid_redirect_uri' });
      expect(await authorizationEndpoint(status!.clientId!, after)).toMatchObject({ status: 200, signIn: true });
    });
  });

  describe('deleting an OAuthClient', () => {
    it('deletes its Secret and revokes its refresh and opaque tokens, for good: a client recreated under its name cannot use them', async () => {
      await apply(namespace, oauthClient('doomed-web', webApp([REDIRECT_URI])), oauthClient('doomed-service', service(['a:read'])), oauthClient('resource-server', service([])));
      await Promise.all([waitForReady(namespace, 'doomed-web'), waitForAdmitted(namespace, 'doomed-service'), waitForAdmitted(namespace, 'resource-server')]);
      const web = await credentialsOf(namespace, 'doomed-web-oauth-client');
      const worker = await credentialsOf(namespace, 'doomed-service-oauth-client');
      const resourceServer = await credentialsOf(namespace, 'resource-server-oauth-client');

      const { tokens } = await codeFlow(await relyingParty(web), new Browser(), { scope: 'openid offline_access', prompt: 'consent' });
      expect(tokens.refresh_token).toEqual(expect.any(String));
      const opaque = (await token(worker, 'a:read')).access_token;
      expect(opaque.split('.')).toHaveLength(1);
      expect(await introspect(resourceServer, opaque)).toMatchObject({ active: true, client_id: worker.clientId, aud: API });
      expect(await issuedKeysOf(web.clientId)).toEqual(expect.arrayContaining([expect.stringMatching(/:Grant:/), expect.stringMatching(/:RefreshToken:/)]));
      expect(await issuedKeysOf(worker.clientId)).toEqual(expect.arrayContaining([expect.stringMatching(/:ClientCredentials:/)]));

      const failedBefore = await reconciles(installation.controller, 'error');
      await remove(namespace, 'doomed-web', 'doomed-service');
      for (const name of ['doomed-web', 'doomed-service']) {
        expect((await kubectl(['get', 'oauthclient', name, '-n', namespace])).stderr).toMatch(/NotFound/);
        // The finalizer deletes the Secret before it lets the resource go.
        expect(await kube.getSecret(namespace, `${name}-oauth-client`)).toBeUndefined();
      }
      expect(await oauthFailure(oidc.refreshTokenGrant(await relyingParty(web), tokens.refresh_token!))).toMatchObject({ status: 401, error: 'invalid_client' });
      expect((await introspect(resourceServer, opaque)).active).toBe(false);
      expect(await issuedKeysOf(web.clientId)).toEqual([]);
      expect(await issuedKeysOf(worker.clientId)).toEqual([]);
      // Finalizing is done once the resource is gone (a NotFound after it is not a failure to retry).
      expect(await reconciles(installation.controller, 'error')).toBe(failedBefore);

      // The same names again, the web app with a secret its user supplies: the client exists, the tokens do not.
      const supplied = { clientId: web.clientId, secret: newSecret('reborn') };
      await apply(
        namespace,
        userSecret('reborn-credentials', supplied.secret, 'doomed-web'),
        oauthClient('doomed-web', webApp([REDIRECT_URI], { secretName: 'reborn-credentials', generateSecret: false })),
        oauthClient('doomed-service', service(['a:read'])),
      );
      await Promise.all(['doomed-web', 'doomed-service'].map((name) => waitForReady(namespace, name)));
      expect(await oauthFailure(oidc.refreshTokenGrant(await relyingParty(supplied), tokens.refresh_token!))).toMatchObject({ status: 400, error: 'invalid_grant' });
      expect((await introspect(resourceServer, opaque)).active).toBe(false);
    });
  });

  describe('a client_id claimed by two OAuthClients', () => {
    it('stays with the first; the second reports ClientIdConflict and takes over once the first is deleted', async () => {
      const shared = service(['a:read'], { clientId: `shared.${namespace}` });
      await apply(namespace, oauthClient('claim-first', shared));
      await waitForAdmitted(namespace, 'claim-first');
      await apply(namespace, oauthClient('claim-second', shared));

      const conflicted = await waitForReady(namespace, 'claim-second', 'False', 'ClientIdConflict');
      expect(readyOf(conflicted)!.message).toBe(`client_id "shared.${namespace}" is already used by OAuthClient ${namespace}/claim-first; set spec.clientId to another value`);
      expect((await waitForEvent(namespace, 'claim-second', 'Warning', 'ClientIdConflict')).message).toBe(readyOf(conflicted)!.message);
      const first = await credentialsOf(namespace, 'claim-first-oauth-client');
      expect((await token(first, 'a:read')).access_token).toEqual(expect.any(String));

      await remove(namespace, 'claim-first');
      await waitForAdmitted(namespace, 'claim-second');
      const second = await credentialsOf(namespace, 'claim-second-oauth-client');
      expect(second.clientId).toBe(`shared.${namespace}`);
      expect((await token(second, 'a:read')).access_token).toEqual(expect.any(String));
      expect(await oauthFailure(token(first, 'a:read'))).toMatchObject({ status: 401, error: 'invalid_client' });
    });
  });

  describe('rotating a client secret', () => {
    it(`keeps the previous secret working for ${OVERLAP_SECONDS}s, says so in the status and an Event, then retires it`, async () => {
      const [first, next] = [newSecret('first'), newSecret('next')];
      await apply(namespace, userSecret('rotating-credentials', first, 'rotating'), oauthClient('rotating', service(['a:read'], { secretName: 'rotating-credentials' })));
      const { status } = await waitForAdmitted(namespace, 'rotating');
      const [old, current] = [{ clientId: status!.clientId!, secret: first }, { clientId: status!.clientId!, secret: next }];
      expect((await token(old)).access_token).toEqual(expect.any(String));

      const rotatedAt = Date.now();
      await apply(namespace, userSecret('rotating-credentials', next, 'rotating'));
      const rotated = await waitFor('status.previousSecretExpiresAt', async () => (await kube.getClient(namespace, 'rotating')).status?.previousSecretExpiresAt);
      const expiresAt = Date.parse(rotated);
      expect(expiresAt).toBeGreaterThanOrEqual(rotatedAt - 1000 + OVERLAP_SECONDS * 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + OVERLAP_SECONDS * 1000);
      expect((await token(current)).access_token).toEqual(expect.any(String));
      expect((await token(old)).access_token).toEqual(expect.any(String));
      expect((await waitForEvent(namespace, 'rotating', 'Normal', 'SecretRotated')).message).toContain(new Date(expiresAt).toISOString());

      await sleep(expiresAt - Date.now() + 100);
      expect(await oauthFailure(token(old))).toMatchObject({ status: 401, error: 'invalid_client' });
      expect((await token(current)).access_token).toEqual(expect.any(String));
      await waitFor('status.previousSecretExpiresAt to go', async () => (await kube.getClient(namespace, 'rotating')).status?.previousSecretExpiresAt === undefined, 5_000);
      expect(readyOf(await kube.getClient(namespace, 'rotating'))?.status).toBe('True');
    });
  });

  describe('drift', () => {
    it('removes a client record whose OAuthClient does not exist within a resync period', async () => {
      const secret = newSecret('ghost');
      const ghost = toClientRecord({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, metadata: { name: 'ghost', namespace }, spec: service(['a:read']) }, [hashSecret(secret)]);
      // Written behind the controller's back (a restored backup, a resource deleted without its finalizer).
      await store.clients.put(ghost);

      // The next resync (at most one period away) removes it.
      await waitFor('the ghost record to be removed', async () => (await store.clients.get(ghost.clientId)) === undefined, RESYNC_SECONDS * 1000 + 1500);
      expect(await oauthFailure(token({ clientId: ghost.clientId, secret }, 'a:read'))).toMatchObject({ status: 401, error: 'invalid_client' });
    });
  });

  describe('a resync with nothing to do', () => {
    it('writes nothing: no status, no Secret, no OAuthAPI status, no second Ready Event', async () => {
      await apply(namespace, oauthClient('steady', service(['a:read'])));
      await waitForAdmitted(namespace, 'steady');
      // Everything in the namespace has settled (the tests before leave every client Ready).
      const clients = await kubectlOk(['get', 'oauthclients', '-n', namespace, '-o', 'json']);
      for (const item of (JSON.parse(clients) as { items: { metadata: { name: string } }[] }).items) await waitForReady(namespace, item.metadata.name);
      const versions = async () => ({
        client: ((await kube.getClient(namespace, 'steady')).metadata as { resourceVersion?: string }).resourceVersion,
        secret: (await kube.getSecret(namespace, 'steady-oauth-client'))!.metadata!.resourceVersion,
        // The OAuthAPI is reconciled by each resync too, and must write nothing either.
        api: await kubectlOk(['get', 'oauthapi', 'api', '-n', namespace, '-o', 'jsonpath={.metadata.resourceVersion}']),
      });
      const before = await versions();
      const reconciledBefore = await reconciles(installation.controller);

      await sleep(2 * RESYNC_SECONDS * 1000 + 500);
      expect(await versions()).toEqual(before);
      // The resyncs did run: every client was reconciled again, and changed nothing.
      expect(await reconciles(installation.controller)).toBeGreaterThan(reconciledBefore);
      expect((await eventsOf(namespace, 'steady')).filter((event) => event.reason === 'Ready')).toHaveLength(1);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------

// Each of these waits for the controller to look again by itself: they wait side by side.
describe.concurrent('Secrets nobody tells the controller about (a resync far away)', () => {
  let installation: { namespace: string; controller: RunningController };
  let namespace: string;

  beforeAll(async () => {
    installation = await install('lifecycle-secrets', ['--resync-period=10m']);
    namespace = installation.namespace;
  });
  afterAll(() => uninstall(installation));

  it('a missing Secret is SecretMissing until the user creates it, then Ready; the controller generates none', async () => {
    await apply(namespace, oauthClient('waiting', service(['a:read'], { secretName: 'not-yet', generateSecret: false })));
    const missing = await waitForReady(namespace, 'waiting', 'False', 'SecretMissing');
    expect(readyOf(missing)!.message).toMatch(/Secret not-yet/);
    await waitForEvent(namespace, 'waiting', 'Warning', 'SecretMissing');

    const secret = newSecret('supplied');
    await apply(namespace, userSecret('not-yet', secret, 'waiting'));
    const ready = await waitForAdmitted(namespace, 'waiting', 10_000);
    expect((await token({ clientId: ready.status!.clientId!, secret }, 'a:read')).access_token).toEqual(expect.any(String));
    const secretsOfClient = (await kube.listSecrets(namespace)).filter((item) => item.metadata?.labels?.[CLIENT_LABEL] === 'waiting');
    expect(secretsOfClient.map((item) => item.metadata!.name)).toEqual(['not-yet']);
    expect(await kube.getSecret(namespace, 'waiting-oauth-client')).toBeUndefined();
  });

  it('a client_secret too short to use is SecretInvalid, with the reason, until the user fixes it', async () => {
    await apply(namespace, userSecret('judged-credentials', 'too-short', 'judged'), oauthClient('judged', service(['a:read'], { secretName: 'judged-credentials' })));
    const invalid = await waitForReady(namespace, 'judged', 'False', 'SecretInvalid');
    expect(readyOf(invalid)!.message).toBe('Secret judged-credentials: client_secret must be at least 32 characters (secrets are stored as a fast hash, so they must not be guessable)');
    expect((await waitForEvent(namespace, 'judged', 'Warning', 'SecretInvalid')).message).toBe(readyOf(invalid)!.message);
    // Nothing is served under its client_id, and the status does not claim one.
    expect(invalid.status?.clientId).toBeUndefined();
    expect(await oauthFailure(token({ clientId: `judged.${namespace}`, secret: 'too-short' }))).toMatchObject({ status: 401, error: 'invalid_client' });

    const secret = newSecret('fixed');
    await apply(namespace, userSecret('judged-credentials', secret, 'judged'));
    const ready = await waitForAdmitted(namespace, 'judged', 10_000);
    expect((await token({ clientId: ready.status!.clientId!, secret }, 'a:read')).access_token).toEqual(expect.any(String));
  });
});
