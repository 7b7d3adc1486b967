// A namespace keeps to itself (issue 10; DESIGN.md, "Who may get which token"): a tenant whose only right is the
// built-in `edit` ClusterRole in team-b, as the chart aggregates it, tries the attacks that reach beyond team-b
// through its own kubeconfig (a TokenRequest token of its ServiceAccount), against the real kube-apiserver with RBAC,
// the controller with the chart's default (safe) tenancy values, the real server and Redis. Each attack fails, and
// the OAuthClient's status or the exact OAuth error says why; then the legitimate path (team-a's OAuthAPI admits
// team-b's client for inventory:read) works, and only for that scope.
//
// The test control plane runs no kube-controller-manager, so nothing aggregates ClusterRoles by itself: this file
// does what its clusterrole-aggregation controller does, once — the rules of every ClusterRole that `edit`'s
// aggregationRule selects (the bootstrap roles and the chart's purser-edit, applied from deploy/) become `edit`'s.
import type { V1ClusterRole, V1PolicyRule } from '@kubernetes/client-node';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';

import { API_GROUP, API_VERSION, KIND, type OAuthClientSpec } from '../../src/api/types.ts';
import type { RunningController } from '../../src/controller/index.ts';
import { CLIENT_LABEL } from '../../src/controller/reconcile/secret.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import type { Store } from '../../src/store/types.ts';
import { Browser } from '../support/browser.ts';
import {
  controllerKubeconfig,
  createNamespace,
  kubeClients,
  kubectl,
  kubectlOk,
  readyOf,
  secretData,
  serviceAccountKubeconfig,
  startTestController,
  waitFor,
  waitForReady,
} from '../support/kube.ts';
import { ALICE, startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { authorize, oauthFailure, REDIRECT_URI, relyingParty } from '../support/rp.ts';

let server: TestServer;
let store: Store;
let controller: RunningController | undefined;
let teamA: string;
let teamB: string;
let tenant: string;
let audience: string;
const kube = kubeClients();

const oauthClient = (name: string, spec: OAuthClientSpec) => stringify({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, metadata: { name }, spec });
/** A public browser app whose redirect URI is on team-b's own host. */
const browserApp = (extra: OAuthClientSpec = {}): OAuthClientSpec => ({ public: true, redirectUris: [REDIRECT_URI], scopes: ['openid'], ...extra });
const applyAs = (kubeconfig: string | undefined, namespace: string, ...manifests: string[]) =>
  kubectlOk(['apply', '-n', namespace, '-f', '-'], { kubeconfig, input: manifests.join('---\n') });
const condition = async (namespace: string, name: string, type: string) => (await kube.getClient(namespace, name)).status?.conditions?.find((entry) => entry.type === type);

/** team-a's inventory API, applied by team-a: it admits team-a's own backend, and `extra` rules. */
const inventoryApi = (extra: object[] = []) =>
  stringify({
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: 'OAuthAPI',
    metadata: { name: 'inventory' },
    spec: {
      audience,
      scopes: [{ name: 'inventory:read', description: 'Read the stock' }, { name: 'inventory:write', description: 'Change the stock' }],
      access: [{ clients: [{ namespace: teamA, name: 'backend' }], scopes: ['inventory:read', 'inventory:write'], flows: ['clientCredentials'] }, ...extra],
    },
  });
/** A confidential client_credentials client listing team-a's audience, with opaque tokens (introspectable). */
const service = (scopes: string[]): OAuthClientSpec => ({ grantTypes: ['client_credentials'], scopes, audiences: [audience], accessToken: { format: 'opaque' } });

/** openid-client for an OAuthClient that is Ready, from its Secret (read as the tenant can, with edit). */
async function clientOf(namespace: string, name: string): Promise<oidc.Configuration> {
  const { status } = await waitForReady(namespace, name);
  const { client_secret: secret } = secretData((await kube.getSecret(namespace, status!.secretName!))!);
  return oidc.discovery(new URL(server.issuer), status!.clientId!, secret, oidc.ClientSecretBasic(secret!), { execute: [oidc.allowInsecureRequests] });
}

/** Waits until `name`'s AudiencesAdmitted condition has `reason`, and returns it. */
const waitForAdmission = (namespace: string, name: string, reason: string) =>
  waitFor(`OAuthClient ${namespace}/${name} AudiencesAdmitted ${reason}`, async () => {
    const found = await condition(namespace, name, 'AudiencesAdmitted');
    return found?.reason === reason ? found : undefined;
  });

/** What the clusterrole-aggregation controller would write into `edit`: the union of the rules it selects. */
async function aggregateEdit(): Promise<V1PolicyRule[]> {
  const edit = JSON.parse(await kubectlOk(['get', 'clusterrole', 'edit', '-o', 'json'])) as V1ClusterRole;
  const rules: V1PolicyRule[] = [];
  for (const selector of edit.aggregationRule!.clusterRoleSelectors!) {
    const labels = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`).join(',');
    const { items } = JSON.parse(await kubectlOk(['get', 'clusterroles', '-l', labels, '-o', 'json'])) as { items: V1ClusterRole[] };
    for (const role of items) for (const rule of role.rules ?? []) if (!rules.some((known) => JSON.stringify(known) === JSON.stringify(rule))) rules.push(rule);
  }
  await kubectlOk(['patch', 'clusterrole', 'edit', '--type=merge', '-p', JSON.stringify({ rules })]);
  return rules;
}

beforeAll(async () => {
  [teamA, teamB] = await Promise.all([createNamespace('team-a'), createNamespace('team-b')]);
  audience = `https://inventory.${teamA}.test`;
  const prefix = uniquePrefix('controller-tenancy');
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: await writeFixtures(), clientsDir: false });
  store = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix });
  // Applies deploy/'s RBAC, purser-edit and purser-view among it; no tenancy flag: the chart's default values.
  const kubeconfig = await controllerKubeconfig(teamA);
  const rules = await aggregateEdit();
  expect(rules).toContainEqual(expect.objectContaining({ apiGroups: ['purser.dev'], resources: ['oauthclients', 'oauthapis'] }));
  await kubectlOk(['create', 'serviceaccount', 'tenant', '-n', teamB]);
  await kubectlOk(['create', 'rolebinding', 'tenant-edit', '-n', teamB, '--clusterrole=edit', `--serviceaccount=${teamB}:tenant`]);
  tenant = await serviceAccountKubeconfig(teamB, 'tenant');
  controller = await startTestController({ kubeconfig, prefix, issuer: server.issuer, namespaces: [teamA, teamB] });
  await applyAs(undefined, teamA, inventoryApi(), oauthClient('backend', service(['inventory:read', 'inventory:write'])));
  await waitFor('team-a\'s OAuthAPI to hold its audience', async () => (await store.apis.get(audience))?.clients[`backend.${teamA}`]);
}, 60_000);

afterAll(async () => {
  await Promise.all([teamA, teamB].filter(Boolean).map((namespace) => kubectl(['delete', 'oauthclients,oauthapis', '--all', '-n', namespace, '--wait=true', '--timeout=20s'])));
  await controller?.stop();
  await store?.close();
  await server?.close();
});

describe('the tenant', () => {
  it('has exactly edit in team-b: it may write OAuthClients and Secrets there, and nothing in team-a', async () => {
    const canI = async (verb: string, resource: string, namespace: string, ...extra: string[]) =>
      (await kubectl(['auth', 'can-i', verb, resource, '-n', namespace, ...extra], { kubeconfig: tenant })).stdout.trim();
    expect(await canI('create', 'oauthclients.purser.dev', teamB)).toBe('yes');
    expect(await canI('create', 'secrets', teamB)).toBe('yes');
    expect(await canI('patch', 'oauthclients.purser.dev', teamB, '--subresource=status')).toBe('no');
    expect(await canI('create', 'oauthclients.purser.dev', teamA)).toBe('no');
    expect(await canI('patch', 'namespaces', teamB)).toBe('no');
  });
});

describe('attack 2: another namespace\'s client_id', () => {
  it('team-b cannot take payments.<team-a>: its OAuthClient is ClientIdNotAllowed, team-a\'s own payments is Ready and holds the id', async () => {
    await applyAs(tenant, teamB, oauthClient('stolen', browserApp({ clientId: `payments.${teamA}` })));
    const refused = await waitForReady(teamB, 'stolen', 'False', 'ClientIdNotAllowed');
    expect(readyOf(refused)!.message).toContain(`client_id "payments.${teamA}" does not end in ".${teamB}"`);
    expect(refused.status?.clientId).toBeUndefined();
    // Created later, team-a's own client still gets its id: the refused claimant is no claimant at all.
    await applyAs(undefined, teamA, oauthClient('payments', browserApp()));
    const owner = await waitForReady(teamA, 'payments');
    expect(owner.status?.clientId).toBe(`payments.${teamA}`);
    expect((await store.clients.get(`payments.${teamA}`))?.owner).toBe(`${teamA}/payments`);
  });

  it('team-b cannot take over payments.<team-a> when team-a deletes its client: nothing serves the id afterwards', async () => {
    await kubectlOk(['delete', 'oauthclient', 'payments', '-n', teamA, '--wait=true', '--timeout=20s']);
    await waitFor('the record of payments.<team-a> to go', async () => (await store.clients.get(`payments.${teamA}`)) === undefined);
    // The one waiting, reconciled again (a new generation), and a new one asking now: both refused.
    await kubectlOk(['patch', 'oauthclient', 'stolen', '-n', teamB, '--type=merge', '-p', JSON.stringify({ spec: { displayName: 'Payments' } })], { kubeconfig: tenant });
    await applyAs(tenant, teamB, oauthClient('late', browserApp({ clientId: `payments.${teamA}` })));
    for (const name of ['stolen', 'late']) expect((await waitForReady(teamB, name, 'False', 'ClientIdNotAllowed')).status?.clientId).toBeUndefined();
    expect(await store.clients.get(`payments.${teamA}`)).toBeUndefined();
  });
});

describe('attack 3: a Secret the controller was not handed', () => {
  it('secretName: db-password makes the controller wait with SecretNotMarked and write nothing into db-password', async () => {
    await applyAs(undefined, teamB, stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-password' }, stringData: { password: 'the-database-password' } }));
    const before = (await kube.getSecret(teamB, 'db-password'))!;
    await applyAs(tenant, teamB, oauthClient('grabber', { grantTypes: ['client_credentials'], scopes: ['a:read'], secretName: 'db-password' }));
    const waiting = await waitForReady(teamB, 'grabber', 'False', 'SecretNotMarked');
    expect(readyOf(waiting)!.message).toContain(`kubectl label secret db-password -n ${teamB} ${CLIENT_LABEL}=grabber`);
    const after = (await kube.getSecret(teamB, 'db-password'))!;
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    expect(after.metadata?.labels).toBeUndefined();
    expect(after.metadata?.ownerReferences).toBeUndefined();
    expect(secretData(after)).toEqual({ password: 'the-database-password' });
    expect(await store.clients.get(`grabber.${teamB}`)).toBeUndefined();
  });

  it('secretName of a Secret not there yet: SecretMissing, nothing minted into that name; the Secret labelled for the client then serves, without an owner reference', async () => {
    await applyAs(tenant, teamB, oauthClient('early', { grantTypes: ['client_credentials'], scopes: ['a:read'], secretName: 'early-credentials' }));
    const missing = await waitForReady(teamB, 'early', 'False', 'SecretMissing');
    expect(readyOf(missing)!.message).toContain(`labelled ${CLIENT_LABEL}=early`);
    expect(await kube.getSecret(teamB, 'early-credentials')).toBeUndefined();

    const clientSecret = 'early-credentials-from-gitops-0123456789abcdef';
    await applyAs(tenant, teamB, stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'early-credentials', labels: { [CLIENT_LABEL]: 'early' } }, stringData: { client_secret: clientSecret } }));
    const ready = await waitForReady(teamB, 'early');
    const secret = (await kube.getSecret(teamB, 'early-credentials'))!;
    expect(secret.metadata?.ownerReferences).toBeUndefined();
    expect(secretData(secret)).toMatchObject({ client_secret: clientSecret, client_id: ready.status!.clientId });
    const rp = await oidc.discovery(new URL(server.issuer), ready.status!.clientId!, clientSecret, oidc.ClientSecretBasic(clientSecret), { execute: [oidc.allowInsecureRequests] });
    expect((await oidc.clientCredentialsGrant(rp, { scope: 'a:read' })).access_token).toEqual(expect.any(String));
  });
});

describe('attack 1: silent consent', () => {
  it('skipConsent in team-b is not honoured: Ready, SkipConsent=False (SkipConsentNotAllowed), false in Redis, and a signed-in user sees the consent page', async () => {
    await applyAs(tenant, teamB, oauthClient('sneaky', browserApp({ skipConsent: true })));
    const ready = await waitForReady(teamB, 'sneaky');
    expect(await condition(teamB, 'sneaky', 'SkipConsent')).toMatchObject({ status: 'False', reason: 'SkipConsentNotAllowed' });
    expect((await store.clients.get(ready.status!.clientId!))?.policy.skipConsent).toBe(false);

    const config = await relyingParty(server.issuer, ready.status!.clientId!);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: oidc.randomState(),
    });
    const browser = new Browser();
    const login = await browser.follow(await browser.get(url.href), REDIRECT_URI);
    expect(login.body).toContain('name="password"');
    // Signed in: the next stop is the consent page, not a redirect back to team-b's host with a code.
    const afterLogin = await browser.follow(await browser.submit(login, { username: ALICE.username, password: ALICE.password }), REDIRECT_URI);
    expect(afterLogin.location).toBeUndefined();
    expect(afterLogin.body).toContain('/confirm"');
  });
});

describe('attack 1: user tokens for another team\'s API', () => {
  it('a public client in team-b listing team-a\'s audience and inventory:write, with skipConsent: AudienceNotAdmitted in its status, and RFC 8707 §2 invalid_target for the signed-in user', async () => {
    await applyAs(tenant, teamB, oauthClient('thief', browserApp({ grantTypes: ['authorization_code', 'refresh_token'], skipConsent: true, scopes: ['openid', 'offline_access', 'inventory:read', 'inventory:write'], audiences: [audience] })));
    const refused = await waitForAdmission(teamB, 'thief', 'AudienceNotAdmitted');
    expect(refused).toMatchObject({ status: 'False', message: `OAuthAPI ${teamA}/inventory does not admit inventory:read, inventory:write for the audience "${audience}" (userDelegated); ask its owners to add this client to spec.access` });
    const { status } = await kube.getClient(teamB, 'thief');
    expect(status?.audiences).toEqual([{ audience, oauthAPI: `${teamA}/inventory`, userDelegated: [], clientCredentials: [], notAdmitted: ['inventory:read', 'inventory:write'] }]);

    const rp = await relyingParty(server.issuer, `thief.${teamB}`);
    const result = await authorize(rp, new Browser(), { scope: 'openid offline_access inventory:write', resource: audience });
    expect(Object.fromEntries(result.callbackUrl.searchParams)).toMatchObject({
      error: 'invalid_target',
      error_description: `OAuthAPI ${teamA}/inventory does not admit client 'thief.${teamB}' to the audience '${audience}' for userDelegated tokens; ask its owners to add the client to spec.access`,
    });
    expect(result.callbackUrl.searchParams.has('code')).toBe(false);
  });
});

describe('attack 4: introspecting another team\'s tokens', () => {
  it('RFC 7662 §2.1: a confidential client in team-b listing team-a\'s audience sees team-a\'s opaque token as {active: false}', async () => {
    const backend = await clientOf(teamA, 'backend');
    const { access_token: token } = await oidc.clientCredentialsGrant(backend, { scope: 'inventory:write', resource: audience });
    expect(await oidc.tokenIntrospection(backend, token)).toMatchObject({ active: true, client_id: `backend.${teamA}`, scope: 'inventory:write' });
    await applyAs(tenant, teamB, oauthClient('snoop', service(['inventory:read'])));
    const snoop = await clientOf(teamB, 'snoop');
    expect(await oidc.tokenIntrospection(snoop, token)).toEqual({ active: false });
  });
});

describe('the legitimate path', () => {
  it('team-a\'s OAuthAPI admits team-b\'s shop for inventory:read: that token works, inventory:write is RFC 6749 §5.2 invalid_scope', async () => {
    await applyAs(tenant, teamB, oauthClient('shop', service(['inventory:read', 'inventory:write'])));
    await waitForAdmission(teamB, 'shop', 'AudienceNotAdmitted');
    await applyAs(undefined, teamA, inventoryApi([{ clients: [{ namespace: teamB, name: 'shop' }], scopes: ['inventory:read'], flows: ['clientCredentials'] }]));
    await waitFor('shop\'s status to show inventory:read admitted', async () => (await kube.getClient(teamB, 'shop')).status?.audiences?.[0]?.clientCredentials?.includes('inventory:read'));
    expect((await kube.getClient(teamB, 'shop')).status?.audiences).toEqual([{ audience, oauthAPI: `${teamA}/inventory`, userDelegated: [], clientCredentials: ['inventory:read'], notAdmitted: ['inventory:write'] }]);

    const shop = await clientOf(teamB, 'shop');
    const tokens = await oidc.clientCredentialsGrant(shop, { scope: 'inventory:read', resource: audience });
    expect(tokens.scope).toBe('inventory:read');
    expect(await oidc.tokenIntrospection(shop, tokens.access_token)).toMatchObject({ active: true, aud: audience, scope: 'inventory:read' });
    expect(await oauthFailure(oidc.clientCredentialsGrant(shop, { scope: 'inventory:read inventory:write', resource: audience }))).toEqual({
      status: 400,
      error: 'invalid_scope',
      error_description: `OAuthAPI ${teamA}/inventory does not admit 'inventory:write' for client 'shop.${teamB}' at the audience '${audience}' in clientCredentials tokens (admitted: inventory:read); ask its owners to extend spec.access`,
    });
    // The user-delegated flow stays closed: the rule names clientCredentials only.
    expect((await store.apis.get(audience))?.clients[`shop.${teamB}`]).toEqual({ userDelegated: [], clientCredentials: ['inventory:read'] });
  });
});

describe('team-a withdraws its OAuthAPI', () => {
  it('deleting it stops new tokens for its audience at once: the next request is RFC 8707 §2 invalid_target', async () => {
    const shop = await clientOf(teamB, 'shop');
    expect((await oidc.clientCredentialsGrant(shop, { scope: 'inventory:read', resource: audience })).scope).toBe('inventory:read');
    // The finalizer removes the audience's record (and tells every server replica) before the object goes.
    await kubectlOk(['delete', 'oauthapi', 'inventory', '-n', teamA, '--wait=true', '--timeout=20s']);
    expect(await oauthFailure(oidc.clientCredentialsGrant(shop, { scope: 'inventory:read', resource: audience }))).toEqual({
      status: 400,
      error: 'invalid_target',
      error_description: `no OAuthAPI declares the audience '${audience}'; its API team declares it with an OAuthAPI resource`,
    });
    expect((await waitForAdmission(teamB, 'shop', 'NoOAuthAPI')).status).toBe('False');
  });
});
