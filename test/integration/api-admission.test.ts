// Token issuance under PURSER_TENANCY=enforced (the default), with a real Redis, the real server over HTTP and
// openid-client: a token for an audience carries only the scopes that audience's OAuthAPI admits for the client
// (RFC 8707 §2 invalid_target / RFC 6749 §5.2 invalid_scope otherwise, naming the OAuthAPI), a refresh after the
// OAuthAPI narrowed never yields what is no longer admitted, and deleting the OAuthAPI stops new tokens at once.
// The OAuthAPI comes from dev mode's clients folder, which the server reloads when a file changes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';

import type { OAuthAPISpec } from '../../src/api/oauth-api.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import type { Store } from '../../src/store/types.ts';
import { Browser } from '../support/browser.ts';
import { waitFor } from '../support/kube.ts';
import { startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { codeFlow, oauthFailure, REDIRECT_URI } from '../support/rp.ts';

const AUDIENCE = 'https://inventory.test';
const SECRET = 'inventory-client-secret-0123456789abcdef';

let dir: string;
let server: TestServer;
let store: Store;

const document = (kind: string, namespace: string, name: string, spec: object) => stringify({ apiVersion: 'purser.dev/v1alpha1', kind, metadata: { name, namespace }, spec });
const secret = (namespace: string, name: string) => stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData: { client_secret: SECRET } });
const service = { grantTypes: ['client_credentials'], scopes: ['inventory:read', 'inventory:write'], audiences: [AUDIENCE], accessToken: { format: 'opaque' } };

const inventory = (webScopes: string[]): OAuthAPISpec => ({
  audience: AUDIENCE,
  scopes: [
    { name: 'inventory:read', description: 'Read the stock' },
    { name: 'inventory:write', description: 'Change the stock' },
  ],
  access: [
    { clients: [{ namespace: 'team-b', name: 'shop' }], scopes: ['inventory:read'], flows: ['clientCredentials'] },
    { clients: [{ namespace: 'team-b', name: 'web' }], scopes: webScopes, flows: ['userDelegated'] },
  ],
  resourceServers: [{ namespace: 'team-a', name: 'backend' }],
});

/** Writes the OAuthAPI file and waits until the server's reload has put it into Redis. */
async function declareApi(spec: OAuthAPISpec | undefined): Promise<void> {
  const file = join(dir, 'api.yaml');
  if (spec) await writeFile(file, document('OAuthAPI', 'team-a', 'inventory', spec));
  else await rm(file, { force: true });
  const expected = spec && spec.access?.find((rule) => rule.clients?.[0]?.name === 'web')?.scopes.slice().sort();
  await waitFor('the API catalog to follow the file', async () => {
    const record = await store.apis.get(AUDIENCE);
    return spec ? JSON.stringify(record?.clients['web.team-b']?.userDelegated) === JSON.stringify(expected) : record === undefined;
  });
}

const WEB_SCOPES = ['openid', 'offline_access', 'profile', 'email', 'inventory:read', 'inventory:write'];

/** Writes the clients file, with the web app listing `webScopes`, and waits until the server has reloaded it. */
async function writeClients(webScopes: string[]): Promise<void> {
  await writeFile(
    join(dir, 'clients.yaml'),
    [
      document('OAuthClient', 'team-b', 'shop', service),
      secret('team-b', 'shop-oauth-client'),
      document('OAuthClient', 'team-c', 'intruder', service),
      secret('team-c', 'intruder-oauth-client'),
      // The API's own backend: it lists no audience, the OAuthAPI names it as a resource server.
      document('OAuthClient', 'team-a', 'backend', { grantTypes: ['client_credentials'] }),
      secret('team-a', 'backend-oauth-client'),
      document('OAuthClient', 'team-b', 'web', {
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: [REDIRECT_URI],
        scopes: webScopes,
        audiences: [AUDIENCE],
        accessToken: { format: 'opaque' },
        public: true,
      }),
    ].join('---\n'),
  );
  if (store) await waitFor('the clients file reloaded', async () => JSON.stringify((await store.clients.get('web.team-b'))?.policy.scopes) === JSON.stringify(webScopes));
}

const relyingParty = (clientId: string, confidential = true) =>
  oidc.discovery(new URL(server.issuer), clientId, confidential ? { client_secret: SECRET } : undefined, confidential ? oidc.ClientSecretBasic(SECRET) : oidc.None(), { execute: [oidc.allowInsecureRequests] });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'purser-api-admission-'));
  await writeClients(WEB_SCOPES);
  const prefix = uniquePrefix('api-admission');
  store = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix });
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: await writeFixtures(), clientsDir: dir });
  await declareApi(inventory(['inventory:read', 'inventory:write']));
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('OAuthAPI admission at the token endpoint', () => {
  it('client_credentials: the admitted scope is issued for the audience', async () => {
    const tokens = await oidc.clientCredentialsGrant(await relyingParty('shop.team-b'), { scope: 'inventory:read', resource: AUDIENCE });
    expect(tokens.scope).toBe('inventory:read');
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  it('RFC 6749 §5.2: a scope the OAuthAPI does not admit for the client is invalid_scope, naming the OAuthAPI', async () => {
    const failure = await oauthFailure(oidc.clientCredentialsGrant(await relyingParty('shop.team-b'), { scope: 'inventory:write', resource: AUDIENCE }));
    expect(failure).toEqual({
      status: 400,
      error: 'invalid_scope',
      error_description:
        `OAuthAPI team-a/inventory does not admit 'inventory:write' for client 'shop.team-b' at the audience 'https://inventory.test' in clientCredentials tokens (admitted: inventory:read); ask its owners to extend spec.access`,
    });
  });

  it('RFC 8707 §2: a client of another namespace that merely lists the audience is invalid_target (threat row 1: another team\'s API)', async () => {
    const failure = await oauthFailure(oidc.clientCredentialsGrant(await relyingParty('intruder.team-c'), { scope: 'inventory:read', resource: AUDIENCE }));
    expect(failure).toEqual({
      status: 400,
      error: 'invalid_target',
      error_description:
        `OAuthAPI team-a/inventory does not admit client 'intruder.team-c' to the audience 'https://inventory.test' for clientCredentials tokens; ask its owners to add the client to spec.access`,
    });
  });

  it('a refresh after the OAuthAPI narrowed the client\'s admission yields only what is still admitted', async () => {
    const rp = await relyingParty('web.team-b', false);
    const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid offline_access inventory:read inventory:write', resource: AUDIENCE, prompt: 'consent' });
    // An access token for a resource carries that resource's scopes only (oidc-provider); the refresh token is there.
    expect(tokens.scope?.split(' ').sort()).toEqual(['inventory:read', 'inventory:write']);
    expect(tokens.refresh_token).toEqual(expect.any(String));
    await declareApi(inventory(['inventory:read']));
    const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(refreshed.scope).toBe('inventory:read');
    await declareApi(inventory(['inventory:read', 'inventory:write']));
  });

  it('RFC 7662 §2.1: only the token\'s client and the resource servers its OAuthAPI names may introspect it (threat row 4)', async () => {
    const shop = await relyingParty('shop.team-b');
    const { access_token: token } = await oidc.clientCredentialsGrant(shop, { scope: 'inventory:read', resource: AUDIENCE });
    expect(await oidc.tokenIntrospection(await relyingParty('backend.team-a'), token)).toMatchObject({ active: true, client_id: 'shop.team-b', scope: 'inventory:read' });
    expect(await oidc.tokenIntrospection(shop, token)).toMatchObject({ active: true });
    // intruder.team-c lists the audience in its own spec: that is no longer enough.
    expect(await oidc.tokenIntrospection(await relyingParty('intruder.team-c'), token)).toEqual({ active: false });
  });

  it('a refresh after the OAuthClient dropped profile and email from its scopes yields neither (OIDC scopes narrow too)', async () => {
    const rp = await relyingParty('web.team-b', false);
    const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid offline_access profile email', prompt: 'consent' });
    expect(tokens.scope?.split(' ').sort()).toEqual(['email', 'offline_access', 'openid', 'profile']);
    await writeClients(WEB_SCOPES.filter((scope) => scope !== 'profile' && scope !== 'email'));
    const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(refreshed.scope?.split(' ').sort()).toEqual(['offline_access', 'openid']);
    const userinfo = await oidc.fetchUserInfo(rp, refreshed.access_token, oidc.skipSubjectCheck);
    expect(userinfo).not.toHaveProperty('email');
    expect(userinfo).not.toHaveProperty('name');
    await writeClients(WEB_SCOPES);
  });

  it('a refresh after the OAuthClient dropped an API scope from its own scopes yields only the rest (the OAuthAPI still admits both)', async () => {
    const rp = await relyingParty('web.team-b', false);
    const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid offline_access inventory:read inventory:write', resource: AUDIENCE, prompt: 'consent' });
    expect(tokens.scope?.split(' ').sort()).toEqual(['inventory:read', 'inventory:write']);
    await writeClients(WEB_SCOPES.filter((scope) => scope !== 'inventory:write'));
    const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(refreshed.scope).toBe('inventory:read');
    await writeClients(WEB_SCOPES);
  });

  it('deleting the OAuthAPI stops new tokens for its audience at once', async () => {
    await declareApi(undefined);
    const failure = await oauthFailure(oidc.clientCredentialsGrant(await relyingParty('shop.team-b'), { scope: 'inventory:read', resource: AUDIENCE }));
    expect(failure).toEqual({
      status: 400,
      error: 'invalid_target',
      error_description: `no OAuthAPI declares the audience 'https://inventory.test'; its API team declares it with an OAuthAPI resource`,
    });
  });
});
