// OAuth 2.0 Token Exchange (RFC 8693) through the real server over HTTP, a real Redis and openid-client as every
// party: a user signs in to the web app (its token is for the orders API); the orders backend exchanges that token
// (genericGrantRequest) for a token for the inventory API, on the user's behalf, as far as the inventory OAuthAPI's
// spec.delegation allows; the inventory backend introspects the result. Every refusal is the RFC 8693 §2.2.2 error
// with Purser's description. The clients and OAuthAPIs come from dev mode's clients folder.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';

import { noOAuthAPIDescription } from '../../src/api/admission-errors.ts';
import type { OAuthAPISpec } from '../../src/api/oauth-api.ts';
import { TOKEN_EXCHANGE_GRANT } from '../../src/api/types.ts';
import * as text from '../../src/server/errors/descriptions.ts';
import { hashPassword } from '../../src/server/accounts/users.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import { referencedGrantKey } from '../../src/store/redis/keys.ts';
import type { Store } from '../../src/store/types.ts';
import { Browser } from '../support/browser.ts';
import { waitFor } from '../support/kube.ts';
import { ALICE, startPurser, writeFixtures, type Fixtures, type TestServer } from '../support/purser.ts';
import { connectTestRedis, uniquePrefix } from '../support/redis.ts';
import { codeFlow, oauthFailure, REDIRECT_URI } from '../support/rp.ts';

const ORDERS = 'https://orders.test';
const INVENTORY = 'https://inventory.test';
const BILLING = 'https://billing.test';
const NOWHERE = 'https://nowhere.test';
const SECRET = 'token-exchange-client-secret-0123456789abcdef';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

let dir: string;
let fixtures: Fixtures;
let server: TestServer;
let store: Store;

const document = (kind: string, namespace: string, name: string, spec: object) => stringify({ apiVersion: 'purser.dev/v1alpha1', kind, metadata: { name, namespace }, spec });
const confidential = (namespace: string, name: string, spec: object) =>
  [document('OAuthClient', namespace, name, spec), stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-oauth-client`, namespace }, stringData: { client_secret: SECRET } })].join('---\n');
const webApp = (name: string, format: 'jwt' | 'opaque') =>
  document('OAuthClient', 'team-w', name, {
    grantTypes: ['authorization_code'],
    redirectUris: [REDIRECT_URI],
    scopes: ['openid', 'orders:read', 'inventory:read', 'inventory:write'],
    audiences: [ORDERS],
    accessToken: { format, ttl: '5m' },
    public: true,
  });
const exchanger = (scopes: string[], audiences: string[], format: 'jwt' | 'opaque', grantTypes = ['client_credentials', TOKEN_EXCHANGE_GRANT]) => ({ grantTypes, scopes, audiences, accessToken: { format } });

/** The clients file; without `gone`, the web app whose tokens a test exchanges after the app was deleted. */
async function writeClients(withGone: boolean): Promise<void> {
  await writeFile(
    join(dir, 'clients.yaml'),
    [
      webApp('web', 'opaque'),
      webApp('spa', 'jwt'),
      ...(withGone ? [webApp('gone', 'jwt')] : []),
      // Service A: receives the users' orders tokens, exchanges them for inventory tokens.
      confidential('team-a', 'orders-backend', exchanger(['inventory:read', 'inventory:write'], [INVENTORY, NOWHERE], 'jwt')),
      confidential('team-a', 'reporting', exchanger(['inventory:read'], [INVENTORY], 'opaque')),
      confidential('team-a', 'auditor', exchanger(['inventory:read'], [INVENTORY], 'opaque')),
      confidential('team-a', 'no-exchange', exchanger(['inventory:read'], [INVENTORY], 'opaque', ['client_credentials'])),
      confidential('team-c', 'intruder', exchanger(['inventory:read'], [INVENTORY], 'opaque')),
      // Service B's backend: introspects inventory tokens, and exchanges them in turn for billing tokens.
      confidential('team-i', 'inventory-backend', exchanger(['inventory:read'], [BILLING], 'jwt')),
    ].join('---\n'),
  );
}

const scopes = [{ name: 'orders:read' }, { name: 'inventory:read' }, { name: 'inventory:write' }, { name: 'inventory:admin' }];
const webAccess = { clients: [{ namespace: 'team-w', name: 'web' }, { namespace: 'team-w', name: 'spa' }, { namespace: 'team-w', name: 'gone' }], scopes: ['orders:read', 'inventory:read', 'inventory:write'], flows: ['userDelegated'] };
const backends = ['orders-backend', 'reporting', 'auditor', 'no-exchange'].map((name) => ({ namespace: 'team-a', name }));
const APIS: Array<[string, string, OAuthAPISpec]> = [
  ['team-a', 'orders', { audience: ORDERS, scopes, access: [webAccess as never], resourceServers: [...backends, { namespace: 'team-c', name: 'nobody' }] }],
  [
    'team-i',
    'inventory',
    {
      audience: INVENTORY,
      scopes: scopes.slice(1),
      access: [{ clients: [{ namespace: 'team-a', name: 'orders-backend' }], scopes: ['inventory:read'], flows: ['clientCredentials'] }],
      delegation: [
        { clients: [{ namespace: 'team-a', name: 'orders-backend' }], scopes: ['inventory:read', 'inventory:write'] },
        { clients: [{ namespace: 'team-a', name: 'reporting' }, { namespace: 'team-c', name: 'intruder' }], scopes: ['inventory:read', 'inventory:write'] },
      ],
      resourceServers: [{ namespace: 'team-i', name: 'inventory-backend' }],
    },
  ],
  ['team-b', 'billing', { audience: BILLING, scopes: [{ name: 'inventory:read' }], delegation: [{ clients: [{ namespace: 'team-i', name: 'inventory-backend' }], scopes: ['inventory:read'] }] }],
];

const party = (clientId: string) =>
  clientId.endsWith('.team-w')
    ? oidc.discovery(new URL(server.issuer), clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] })
    : oidc.discovery(new URL(server.issuer), clientId, { client_secret: SECRET }, oidc.ClientSecretBasic(SECRET), { execute: [oidc.allowInsecureRequests] });

/** A user's access token for the orders API, from a real sign-in to `app` (web: opaque, spa and gone: JWT). */
async function userToken(app: string, scope = 'openid orders:read inventory:read'): Promise<{ access_token: string; expires_in?: number }> {
  const { tokens } = await codeFlow(await party(`${app}.team-w`), new Browser(), { scope, resource: ORDERS });
  return tokens;
}

/** The exchange as `clientId` sends it, with openid-client's genericGrantRequest. */
async function exchange(clientId: string, parameters: Record<string, string> | URLSearchParams) {
  return oidc.genericGrantRequest(await party(clientId), TOKEN_EXCHANGE_GRANT, parameters);
}

const subjectParams = (subject: string, extra: Record<string, string> = {}) => ({ subject_token: subject, subject_token_type: ACCESS_TOKEN, ...extra });
const invalidRequest = (description: string) => ({ status: 400, error: 'invalid_request', error_description: description });

let opaqueSubject: string;
let jwtSubject: { access_token: string; expires_in?: number };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'purser-token-exchange-'));
  await writeClients(true);
  await writeFile(join(dir, 'apis.yaml'), APIS.map(([namespace, name, spec]) => document('OAuthAPI', namespace, name, spec)).join('---\n'));
  const prefix = uniquePrefix('token-exchange');
  store = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix });
  fixtures = await writeFixtures();
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures, clientsDir: dir, flags: ['--keys-reload-interval=1s'] });
  await waitFor('the API catalog', async () => (await store.apis.get(BILLING)) !== undefined);
  opaqueSubject = (await userToken('web')).access_token;
  jwtSubject = await userToken('spa');
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('token exchange (RFC 8693): the exchanged token', () => {
  it('discovery lists the grant type', async () => {
    expect((await party('orders-backend.team-a')).serverMetadata().grant_types_supported).toContain(TOKEN_EXCHANGE_GRANT);
  });

  it('RFC 8693 §2.2.1, §4.1, §4.4: a JWT subject gives a token for B only, for the same user, with act naming the caller, issued_token_type and no refresh token', async () => {
    const tokens = await exchange('orders-backend.team-a', subjectParams(jwtSubject.access_token, { resource: INVENTORY, scope: 'inventory:read', requested_token_type: ACCESS_TOKEN }));
    expect(tokens).toMatchObject({ issued_token_type: ACCESS_TOKEN, token_type: 'bearer', scope: 'inventory:read' });
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ iss: server.issuer, aud: INVENTORY, sub: ALICE.username, client_id: 'orders-backend.team-a', scope: 'inventory:read', act: { sub: 'orders-backend.team-a' } });
    // §5: a limited lifetime; never longer than the token it replaces.
    expect(claims.exp).toBeLessThanOrEqual(decodeJwt(jwtSubject.access_token).exp!);
  });

  it('RFC 8693 §2.2.1, RFC 6749 §5.1: the response is JSON with Cache-Control: no-store and Pragma: no-cache', async () => {
    const response = await fetch((await party('orders-backend.team-a')).serverMetadata().token_endpoint!, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`orders-backend.team-a:${SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE_GRANT, ...subjectParams(jwtSubject.access_token, { resource: INVENTORY }) }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    expect(Object.keys(await response.json()).sort()).toEqual(['access_token', 'expires_in', 'issued_token_type', 'scope', 'token_type']);
  });

  it('RFC 8693 §4.1, RFC 7662 §2.2: B\'s resource server introspects the exchanged JWT: active, audience and scope only B\'s, act', async () => {
    const { access_token: token } = await exchange('orders-backend.team-a', subjectParams(jwtSubject.access_token, { audience: INVENTORY }));
    const answer = await oidc.tokenIntrospection(await party('inventory-backend.team-i'), token);
    expect(answer).toMatchObject({ active: true, sub: ALICE.username, client_id: 'orders-backend.team-a', aud: INVENTORY, scope: 'inventory:read', act: { sub: 'orders-backend.team-a' } });
    // Not the orders API's token any more: its resource servers cannot see it.
    expect(await oidc.tokenIntrospection(await party('auditor.team-a'), token)).toEqual({ active: false });
  });

  it('RFC 8693 §2.2.1, §4.1: an opaque subject gives an opaque token (the caller\'s format) that introspects with act', async () => {
    const tokens = await exchange('reporting.team-a', subjectParams(opaqueSubject, { resource: INVENTORY }));
    expect(tokens).toMatchObject({ issued_token_type: ACCESS_TOKEN, scope: 'inventory:read' });
    expect(tokens.access_token.split('.')).toHaveLength(1);
    expect(tokens.refresh_token).toBeUndefined();
    const answer = await oidc.tokenIntrospection(await party('inventory-backend.team-i'), tokens.access_token);
    expect(answer).toMatchObject({ active: true, sub: ALICE.username, client_id: 'reporting.team-a', aud: INVENTORY, scope: 'inventory:read', act: { sub: 'reporting.team-a' } });
  });

  it('an opaque exchanged token hangs off a grant of the caller: revoking the caller\'s grants (what deleting its OAuthClient does) ends it', async () => {
    const { access_token: token } = await exchange('reporting.team-a', subjectParams(opaqueSubject, { resource: INVENTORY }));
    const backend = await party('inventory-backend.team-i');
    expect(await oidc.tokenIntrospection(backend, token)).toMatchObject({ active: true });
    // The grant backs this one token, and is kept no longer (DESIGN.md: every key has a TTL, none outlives its use).
    const stored = await store.artifacts.find('AccessToken', token);
    const grant = await store.artifacts.find('Grant', String(stored?.grantId));
    expect(grant).toMatchObject({ clientId: 'reporting.team-a', accountId: ALICE.username });
    expect(grant!.exp).toBeLessThanOrEqual(stored!.exp as number);
    await store.artifacts.revokeByClientId('reporting.team-a');
    expect(await oidc.tokenIntrospection(backend, token)).toEqual({ active: false });
  });

  it('RFC 8693 §4.1: exchanging an exchanged token nests the prior actor inside the current one', async () => {
    const first = await exchange('orders-backend.team-a', subjectParams(jwtSubject.access_token, { resource: INVENTORY, scope: 'inventory:read' }));
    const second = await exchange('inventory-backend.team-i', subjectParams(first.access_token, { resource: BILLING }));
    expect(decodeJwt(second.access_token)).toMatchObject({ aud: BILLING, sub: ALICE.username, client_id: 'inventory-backend.team-i', act: { sub: 'inventory-backend.team-i', act: { sub: 'orders-backend.team-a' } } });
  });

  it('RFC 8693 §2.1: an actor_token that is the caller\'s own client_credentials token is accepted', async () => {
    const own = await oidc.clientCredentialsGrant(await party('orders-backend.team-a'), { scope: 'inventory:read', resource: INVENTORY });
    const tokens = await exchange('orders-backend.team-a', subjectParams(jwtSubject.access_token, { resource: INVENTORY, actor_token: own.access_token, actor_token_type: ACCESS_TOKEN }));
    expect(decodeJwt(tokens.access_token)).toMatchObject({ sub: ALICE.username, act: { sub: 'orders-backend.team-a' } });
  });
});

describe('token exchange (RFC 8693): refusals', () => {
  it('RFC 6749 §5.2: a client whose grantTypes do not list the grant is unauthorized_client', async () => {
    expect(await oauthFailure(exchange('no-exchange.team-a', subjectParams(opaqueSubject, { resource: INVENTORY })))).toEqual({
      status: 400,
      error: 'unauthorized_client',
      error_description: text.describe(text.GRANT_TYPE_NOT_ALLOWED, TOKEN_EXCHANGE_GRANT),
    });
  });

  it.each([
    ['subject_token', { subject_token_type: ACCESS_TOKEN, resource: INVENTORY }],
    ['subject_token_type', { subject_token: 'x', resource: INVENTORY }],
  ])('RFC 8693 §2.1, §2.2.2: a request without %s is invalid_request', async (missing, params) => {
    expect(await oauthFailure(exchange('orders-backend.team-a', params))).toEqual(invalidRequest(text.describe(text.EXCHANGE_PARAMETER_MISSING, missing)));
  });

  it('RFC 8693 §2.1, §2.2.2: a subject_token_type other than access_token is invalid_request', async () => {
    const type = 'urn:ietf:params:oauth:token-type:id_token';
    expect(await oauthFailure(exchange('orders-backend.team-a', { subject_token: jwtSubject.access_token, subject_token_type: type, resource: INVENTORY }))).toEqual(
      invalidRequest(text.describe(text.EXCHANGE_SUBJECT_TOKEN_TYPE, type)),
    );
  });

  it('RFC 8693 §2.1: actor_token_type MUST NOT be sent without actor_token, and is REQUIRED with one', async () => {
    expect(await oauthFailure(exchange('orders-backend.team-a', subjectParams(opaqueSubject, { resource: INVENTORY, actor_token_type: ACCESS_TOKEN })))).toEqual(invalidRequest(text.EXCHANGE_ACTOR_TOKEN_TYPE_ALONE));
    expect(await oauthFailure(exchange('orders-backend.team-a', subjectParams(opaqueSubject, { resource: INVENTORY, actor_token: 'x' })))).toEqual(
      invalidRequest(text.describe(text.EXCHANGE_PARAMETER_MISSING, 'actor_token_type')),
    );
  });

  it('RFC 8693 §2.2.2: an actor_token that is not the caller\'s own client token is invalid_request', async () => {
    expect(await oauthFailure(exchange('orders-backend.team-a', subjectParams(opaqueSubject, { resource: INVENTORY, actor_token: jwtSubject.access_token, actor_token_type: ACCESS_TOKEN })))).toEqual(
      invalidRequest(text.EXCHANGE_ACTOR_TOKEN_INVALID),
    );
  });

  it('RFC 8693 §2.2.2: a requested_token_type other than access_token is invalid_request (refresh tokens are never issued by exchange)', async () => {
    const type = 'urn:ietf:params:oauth:token-type:refresh_token';
    expect(await oauthFailure(exchange('orders-backend.team-a', subjectParams(opaqueSubject, { resource: INVENTORY, requested_token_type: type })))).toEqual(
      invalidRequest(text.describe(text.EXCHANGE_REQUESTED_TOKEN_TYPE, type)),
    );
  });

  it('RFC 8693 §2.2.2: a subject_token that is not an active token of this server (garbage, forged, revoked) is invalid_request', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ client_id: 'spa.team-w', scope: 'inventory:read' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setIssuer(server.issuer)
      .setSubject(ALICE.username)
      .setAudience(ORDERS)
      .setExpirationTime('5m')
      .sign(privateKey);
    const revoked = (await userToken('web')).access_token;
    await oidc.tokenRevocation(await party('web.team-w'), revoked);
    for (const subject of ['not-a-token', forged, revoked]) {
      expect(await oauthFailure(exchange('orders-backend.team-a', subjectParams(subject, { resource: INVENTORY })))).toEqual(invalidRequest(text.EXCHANGE_SUBJECT_TOKEN_INVALID));
    }
  });

  it('RFC 8693 §2.2.2: a JWT subject_token whose grant is gone (what logout or revoking its refresh token does) is invalid_request', async () => {
    const subject = (await userToken('spa')).access_token;
    await expect(exchange('orders-backend.team-a', subjectParams(subject, { resource: INVENTORY }))).resolves.toMatchObject({ access_token: expect.any(String) });
    // The grant's key, as its grant_ref names it, deleted as oidc-provider's Grant.destroy deletes it.
    const redis = connectTestRedis();
    try {
      expect(await redis.del(referencedGrantKey(server.prefix, String(decodeJwt(subject).grant_ref))!)).toBe(1);
    } finally {
      await redis.quit();
    }
    expect(await oauthFailure(exchange('orders-backend.team-a', subjectParams(subject, { resource: INVENTORY })))).toEqual(invalidRequest(text.EXCHANGE_SUBJECT_TOKEN_INVALID));
  });

  it('RFC 8693 §2.2.2: a client_credentials token acts for no user and is not a subject_token', async () => {
    const own = await oidc.clientCredentialsGrant(await party('orders-backend.team-a'), { scope: 'inventory:read', resource: INVENTORY });
    expect(await oauthFailure(exchange('orders-backend.team-a', subjectParams(own.access_token, { resource: INVENTORY })))).toEqual(invalidRequest(text.EXCHANGE_SUBJECT_WITHOUT_USER));
  });

  it('RFC 8693 §2.2.2: a subject_token meant for an API the caller does not serve is invalid_request', async () => {
    expect(await oauthFailure(exchange('intruder.team-c', subjectParams(jwtSubject.access_token, { resource: INVENTORY })))).toEqual(invalidRequest(text.EXCHANGE_SUBJECT_NOT_FOR_CALLER));
  });

  it('RFC 8693 §2.1: no resource or audience is invalid_request; two APIs are invalid_target', async () => {
    expect(await oauthFailure(exchange('orders-backend.team-a', subjectParams(jwtSubject.access_token)))).toEqual(invalidRequest(text.EXCHANGE_TARGET_MISSING));
    const both = new URLSearchParams({ ...subjectParams(jwtSubject.access_token), resource: INVENTORY, audience: NOWHERE });
    expect(await oauthFailure(exchange('orders-backend.team-a', both))).toEqual({ status: 400, error: 'invalid_target', error_description: text.EXCHANGE_ONE_TARGET });
  });

  it('RFC 8693 §2.2.2: a target outside the caller\'s audiences, without an OAuthAPI, or not delegated to the caller is invalid_target', async () => {
    const target = async (clientId: string, resource: string) => oauthFailure(exchange(clientId, subjectParams(jwtSubject.access_token, { resource })));
    expect(await target('orders-backend.team-a', BILLING)).toEqual({ status: 400, error: 'invalid_target', error_description: text.describe(text.RESOURCE_NOT_AN_AUDIENCE, BILLING, `${INVENTORY}, ${NOWHERE}`) });
    expect(await target('orders-backend.team-a', NOWHERE)).toEqual({ status: 400, error: 'invalid_target', error_description: noOAuthAPIDescription(NOWHERE) });
    expect(await target('auditor.team-a', INVENTORY)).toEqual({ status: 400, error: 'invalid_target', error_description: text.describe(text.EXCHANGE_NOT_DELEGATED, 'team-i/inventory', 'auditor.team-a', INVENTORY) });
  });

  it('RFC 8693 §2.2.2, RFC 6749 §5.2: scopes beyond the delegation, the caller\'s own scopes or the subject token are invalid_scope', async () => {
    const scoped = async (clientId: string, scope: string) => oauthFailure(exchange(clientId, subjectParams(jwtSubject.access_token, { resource: INVENTORY, scope })));
    const invalidScope = (description: string) => ({ status: 400, error: 'invalid_scope', error_description: description });
    expect(await scoped('orders-backend.team-a', 'openid inventory:read')).toEqual(invalidScope(text.describe(text.EXCHANGE_OIDC_SCOPES, 'openid')));
    expect(await scoped('orders-backend.team-a', 'inventory:admin')).toEqual(
      invalidScope(text.describe(text.EXCHANGE_SCOPE_NOT_DELEGATED, 'team-i/inventory', 'orders-backend.team-a', 'inventory:read inventory:write', INVENTORY, 'inventory:admin')),
    );
    expect(await scoped('reporting.team-a', 'inventory:write')).toEqual(invalidScope(text.describe(text.SCOPE_NOT_ALLOWED, 'inventory:write', 'inventory:read')));
    // The user's token carries inventory:read only: the exchange never widens it.
    expect(await scoped('orders-backend.team-a', 'inventory:write')).toEqual(invalidScope(text.describe(text.EXCHANGE_SCOPE_NOT_IN_SUBJECT, 'inventory:write', 'inventory:read orders:read')));
    const narrow = await userToken('spa', 'openid orders:read');
    expect(await oauthFailure(exchange('orders-backend.team-a', subjectParams(narrow.access_token, { resource: INVENTORY })))).toEqual(
      invalidScope(text.describe(text.EXCHANGE_NOTHING_TO_DELEGATE, 'orders-backend.team-a', INVENTORY, 'inventory:read inventory:write')),
    );
  });

  it('answers malformed exchanges with a 400 OAuth error, never a 5xx', async () => {
    const malformed: Array<Record<string, string> | URLSearchParams> = [
      subjectParams('a.b.c', { resource: INVENTORY }),
      subjectParams('x'.repeat(4000), { resource: INVENTORY }),
      subjectParams(jwtSubject.access_token, { resource: 'not a uri \u00e9' }),
      subjectParams(jwtSubject.access_token, { audience: '' }),
      subjectParams(jwtSubject.access_token, { resource: INVENTORY, scope: '  ' }),
      new URLSearchParams([...Object.entries(subjectParams(jwtSubject.access_token, { resource: INVENTORY })), ['subject_token', 'again']]),
    ];
    for (const params of malformed) {
      const failure = await oauthFailure(exchange('orders-backend.team-a', params));
      expect(failure.status).toBe(400);
      expect(failure.error).toMatch(/^invalid_(request|target|scope)$/);
    }
  });

  it('RFC 8693 §2.2.2: a subject_token of a client that no longer exists is invalid_request', async () => {
    const { access_token: subject } = await userToken('gone');
    await writeClients(false);
    await waitFor('the deleted client gone', async () => (await store.clients.get('gone.team-w')) === undefined);
    expect(await oauthFailure(exchange('orders-backend.team-a', subjectParams(subject, { resource: INVENTORY })))).toEqual(invalidRequest(text.EXCHANGE_SUBJECT_CLIENT_GONE));
  });

  it('RFC 8693 §2.2.2: a subject_token of a user who no longer exists is invalid_request (last: it removes the user)', async () => {
    await writeFile(fixtures.usersFile, `users:\n  - ${JSON.stringify({ username: 'bob', passwordHash: await hashPassword('another horse battery staple') })}\n`);
    // The users file is polled every --keys-reload-interval (1s here); until then the exchange still succeeds.
    const failure = await waitFor('the user gone', async () => {
      // oauthFailure throws on a success: not refused yet.
      return oauthFailure(exchange('orders-backend.team-a', subjectParams(jwtSubject.access_token, { resource: INVENTORY }))).catch(() => undefined);
    }, 8_000, 500);
    expect(failure).toEqual(invalidRequest(text.EXCHANGE_SUBJECT_USER_GONE));
  });
});
