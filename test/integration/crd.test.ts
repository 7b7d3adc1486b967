// The OAuthClient CRD on a real API server, through the real kubectl: the examples and fixtures apply; a spec
// validate.ts refuses is refused at apply time with the same message; clientId cannot change once set; and
// `kubectl explain` and `kubectl get` show the descriptions and printer columns.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { readManifests } from '../../src/api/manifests.ts';
import { API_GROUP, API_VERSION, KIND, type OAuthClient, type OAuthClientSpec } from '../../src/api/types.ts';
import { validateOAuthClient } from '../../src/api/validate.ts';
import { CRD_FILE } from '../support/control-plane.ts';
import { kubectl as runKubectl } from '../support/kube.ts';

const namespace = `crd-${randomBytes(4).toString('hex')}`;

const kubectl = (args: string[], input?: string) => runKubectl(args, { input });

const oauthClient = (name: string, spec: OAuthClientSpec): OAuthClient => ({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, metadata: { name, namespace }, spec });
const apply = (object: object, ...flags: string[]) => kubectl(['apply', ...flags, '-f', '-'], JSON.stringify(object));
const nameOf = (label: string) => label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
const oneLine = (text: string) => text.replace(/\s+/g, ' ');

beforeAll(async () => {
  const created = await kubectl(['create', 'namespace', namespace]);
  expect(created.stderr).toBe('');
});

afterAll(async () => {
  // No namespace controller here: delete the objects themselves; the namespace stays behind, empty.
  await kubectl(['delete', 'oauthclients', '--all', '-n', namespace, '--wait=false']);
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
});

const valid: [string, OAuthClientSpec][] = [
  ['the empty spec (a client_credentials service)', {}],
  ['redirect URIs without grantTypes (authorization_code implied)', { redirectUris: ['https://app.example.com/cb'] }],
  ['loopback http on localhost, 127.0.0.1 and [::1]', { redirectUris: ['http://localhost:3000/cb', 'http://127.0.0.1/cb', 'http://[::1]:8080/cb'] }],
  ['a native app: a private-use scheme and loopback http', { public: true, redirectUris: ['com.example.app:/cb', 'http://127.0.0.1/cb'] }],
  ['a public client with PKCE spelled out', { public: true, redirectUris: ['https://a.test/cb'], requirePkce: true, tokenEndpointAuthMethod: 'none' }],
  ['refresh tokens with a 0s grace period', { grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['https://a.test/cb'], scopes: ['openid', 'offline_access'], refreshToken: { ttl: '12h', absoluteLifetime: '30d', reuseGracePeriod: '0s' } }],
  ['JWT access tokens for a URN audience', { audiences: ['urn:example:orders'], accessToken: { format: 'jwt', ttl: '1h30m' } }],
  ['CORS origins with and without a port', { corsOrigins: ['https://app.example.com', 'http://localhost:3000'] }],
  ['a private_key_jwt service with inline public keys', { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', crv: 'P-256', kid: 'k1', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] } }],
  ['a private_key_jwt service with a jwksUri', { tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'https://app.example.com/jwks.json' }],
  ['back-channel logout over https, sid required, offline grants revoked at logout', { redirectUris: ['https://a.test/cb'], backchannelLogoutUri: 'https://a.test/backchannel', backchannelLogoutSessionRequired: true, logout: { revokeOfflineAccess: true } }],
  ['back-channel logout to loopback http', { redirectUris: ['http://127.0.0.1/cb'], backchannelLogoutUri: 'http://127.0.0.1:8080/backchannel' }],
  ['a public device client (RFC 8628) with refresh tokens and no redirect URIs', { public: true, grantTypes: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'], scopes: ['openid', 'offline_access'] }],
  ['a client of ServiceAccounts alone (workload identity)', { grantTypes: ['client_credentials'], serviceAccounts: ['orders-worker', 'batch.v2'] }],
  ['a confidential client without PKCE and with client_secret_post', { redirectUris: ['https://a.test/cb'], requirePkce: false, tokenEndpointAuthMethod: 'client_secret_post', secretName: 'legacy.credentials', generateSecret: false }],
];

// [what is wrong, spec, the message validate.ts gives and the API server repeats]
const refused: [string, OAuthClientSpec, string][] = [
  ['a colon in clientId', { clientId: 'a:b' }, 'clientId must not contain ":" (it breaks client_secret_basic)'],
  ['a space in clientId', { clientId: 'a b' }, 'clientId must be 1-200 printable ASCII characters without spaces'],
  ['authorization_code without redirect URIs', { grantTypes: ['authorization_code'] }, 'redirectUris: at least one is required with the authorization_code grant'],
  ['refresh_token without authorization_code', { grantTypes: ['client_credentials', 'refresh_token'] }, "grantTypes: refresh_token needs authorization_code or urn:ietf:params:oauth:grant-type:device_code (refresh tokens come from a user's sign-in)"],
  ['redirect URIs without the code grant', { grantTypes: ['client_credentials'], redirectUris: ['https://a.test/cb'] }, 'redirectUris are only used with the authorization_code grant; add it to grantTypes or remove them'],
  ['http on a public host', { redirectUris: ['http://app.example.com/cb'] }, '"http://app.example.com/cb" must use https (http is allowed only for localhost, 127.0.0.1 and [::1])'],
  ['http on a host that only starts with localhost', { redirectUris: ['http://localhost.evil.test/cb'] }, '"http://localhost.evil.test/cb" must use https (http is allowed only for localhost, 127.0.0.1 and [::1])'],
  ['a fragment in a post-logout URI', { redirectUris: ['https://a.test/cb'], postLogoutRedirectUris: ['https://a.test/out#x'] }, '"https://a.test/out#x" must not contain a fragment'],
  ['a relative redirect URI', { redirectUris: ['/callback'] }, '"/callback" is not an absolute URI'],
  ['a private-use scheme without a dot', { redirectUris: ['myapp:/cb'] }, '"myapp:/cb" must use https, loopback http, or a private-use scheme with a dot such as com.example.app'],
  ['a native app claiming https on a loopback host', { public: true, redirectUris: ['com.example.app:/cb', 'https://localhost/cb'] }, '"https://localhost/cb": a native app (private-use scheme redirect) must use http, not https, on a loopback host'],
  ['a public client with client_credentials (the default without redirect URIs)', { public: true }, 'a public client cannot use client_credentials (it has no secret)'],
  ['a public client with token exchange', { public: true, redirectUris: ['https://a.test/cb'], grantTypes: ['authorization_code', 'urn:ietf:params:oauth:grant-type:token-exchange'] }, 'a public client cannot use urn:ietf:params:oauth:grant-type:token-exchange (only a client that authenticates may act for a user)'],
  ['a public client with a secret name', { public: true, redirectUris: ['https://a.test/cb'], secretName: 's' }, 'a public client has no secret: remove secretName and generateSecret'],
  ['a public client with generateSecret', { public: true, redirectUris: ['https://a.test/cb'], generateSecret: false }, 'a public client has no secret: remove secretName and generateSecret'],
  ['a public client with client_secret_basic', { public: true, redirectUris: ['https://a.test/cb'], tokenEndpointAuthMethod: 'client_secret_basic' }, 'a public client authenticates with tokenEndpointAuthMethod none'],
  ['auth method none on a confidential client', { tokenEndpointAuthMethod: 'none' }, 'tokenEndpointAuthMethod none is for public clients: set public: true'],
  ['a public client without PKCE', { public: true, redirectUris: ['https://a.test/cb'], requirePkce: false }, 'a public client must use PKCE: remove requirePkce: false'],
  ['offline_access without refresh_token', { redirectUris: ['https://a.test/cb'], scopes: ['openid', 'offline_access'] }, 'scopes: offline_access needs the refresh_token grant in grantTypes'],
  ['a scope with a space', { scopes: ['orders read'] }, 'scopes: "orders read" is not a valid scope token'],
  ['a relative audience', { audiences: ['/api'] }, 'audiences: "/api" is not an absolute URI'],
  ['JWT access tokens without an audience', { accessToken: { format: 'jwt' } }, 'accessToken.format jwt needs at least one audience (the aud claim of the token)'],
  ['a malformed access token ttl', { accessToken: { ttl: '10 minutes' } }, 'accessToken.ttl: "10 minutes" is not a duration such as 90s, 15m, 1h or 14d'],
  ['a zero refresh token ttl', { refreshToken: { ttl: '0h' } }, 'refreshToken.ttl: "0h" is not a duration such as 90s, 15m, 1h or 14d'],
  ['an absolute lifetime past a safe integer', { refreshToken: { absoluteLifetime: '99999999999999999999d' } }, 'refreshToken.absoluteLifetime: "99999999999999999999d" is not a duration such as 90s, 15m, 1h or 14d'],
  ['a grace period without a unit', { refreshToken: { reuseGracePeriod: '30' } }, 'refreshToken.reuseGracePeriod: "30" is not a duration such as 0s or 30s'],
  ['private_key_jwt without keys', { tokenEndpointAuthMethod: 'private_key_jwt' }, 'private_key_jwt needs the public keys of the client: set exactly one of jwks and jwksUri'],
  ['private_key_jwt with both jwks and jwksUri', { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }] }, jwksUri: 'https://a.test/jwks' }, 'private_key_jwt needs the public keys of the client: set exactly one of jwks and jwksUri'],
  ['jwks without private_key_jwt', { jwksUri: 'https://a.test/jwks' }, 'jwks and jwksUri are only used with tokenEndpointAuthMethod private_key_jwt'],
  ['a private_key_jwt client with a secret name', { tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'https://a.test/jwks', secretName: 's' }, 'a private_key_jwt client has no secret: remove secretName and generateSecret'],
  ['a jwksUri over http', { tokenEndpointAuthMethod: 'private_key_jwt', jwksUri: 'http://a.test/jwks' }, 'jwksUri: "http://a.test/jwks" must be an https URL'],
  ['an empty jwks', { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [] } }, 'jwks.keys: between 1 and 10 keys'],
  ['a private key in jwks', { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', d: 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A' }] } }, 'jwks.keys: only public keys: remove the private and symmetric members (d, p, q, dp, dq, qi, k)'],
  ['Back-Channel Logout 1.0 §2.2: a backchannelLogoutUri over http on a public host', { backchannelLogoutUri: 'http://a.test/bc' }, 'backchannelLogoutUri: "http://a.test/bc" must use https (http is allowed only for localhost, 127.0.0.1 and [::1])'],
  ['a backchannelLogoutUri with a fragment', { backchannelLogoutUri: 'https://a.test/bc#x' }, 'backchannelLogoutUri: "https://a.test/bc#x" must not contain a fragment'],
  ['a backchannelLogoutUri with a private-use scheme', { backchannelLogoutUri: 'com.example.app:/bc' }, 'backchannelLogoutUri: "com.example.app:/bc" is not an absolute https URL'],
  ['a CORS origin with a path', { corsOrigins: ['https://a.test/app'] }, 'corsOrigins: "https://a.test/app" is not an origin such as https://app.example.com'],
  ['a CORS origin with its default port', { corsOrigins: ['https://a.test:443'] }, 'corsOrigins: "https://a.test:443" is not an origin such as https://app.example.com'],
  ['a ServiceAccount of another namespace', { serviceAccounts: ['other/worker'] }, 'serviceAccounts: "other/worker" is not a ServiceAccount name (a DNS subdomain; ServiceAccounts of other namespaces cannot be listed)'],
  ['a public client with serviceAccounts', { public: true, redirectUris: ['https://a.test/cb'], serviceAccounts: ['worker'] }, 'a public client has no credential: remove serviceAccounts or public'],
];

// Where the schema speaks for itself, the API server's words differ from validate.ts's.
const refusedBySchema: [string, OAuthClientSpec, string][] = [
  ['an unknown grant type', { grantTypes: ['password' as never] }, 'Unsupported value: "password": supported values: "authorization_code", "client_credentials", "refresh_token"'],
  ['an unknown auth method (client_secret_jwt is not offered)', { tokenEndpointAuthMethod: 'client_secret_jwt' as never }, 'Unsupported value: "client_secret_jwt": supported values: "client_secret_basic", "client_secret_post", "private_key_jwt", "none"'],
  ['a symmetric key type in jwks', { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, 'Unsupported value: "oct": supported values: "RSA", "EC", "OKP"'],
  ['a clientId over 200 characters', { clientId: 'x'.repeat(201) }, 'spec.clientId: Too long: may not be more than 200 bytes'],
  ['the same ServiceAccount twice', { serviceAccounts: ['worker', 'worker'] }, 'spec.serviceAccounts[1]: Duplicate value: "worker"'],
];

// The CRD is stricter than validate.ts here: these never reach the controller from a cluster.
const refusedByCrdOnly: [string, OAuthClientSpec, string][] = [
  ['a secretName that is no DNS name', { secretName: 'Dashboard_Credentials' }, 'spec.secretName in body should match'],
  ['the same scope twice', { scopes: ['orders:read', 'orders:read'] }, 'spec.scopes[1]: Duplicate value: "orders:read"'],
  ['an empty fragment', { redirectUris: ['https://a.test/cb#'] }, '"https://a.test/cb#" must not contain a fragment'],
  ['a CORS origin that is not http(s)', { corsOrigins: ['wss://a.test'] }, 'corsOrigins: "wss://a.test" is not an origin such as https://app.example.com'],
];

describe('the OAuthClient CRD on a real API server', () => {
  it('accepts the examples (kubectl apply --dry-run=server -f examples/clients/)', async () => {
    const run = await kubectl(['apply', '--dry-run=server', '-f', new URL('../../examples/clients/', import.meta.url).pathname]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const name of ['orders-worker', 'dashboard', 'cli']) expect(run.stdout).toContain(`oauthclient.purser.dev/${name} created (server dry run)`);
  });

  it('accepts every OAuthClient of the test fixtures, as validate.ts does', async () => {
    const dir = new URL('../fixtures/clients/', import.meta.url);
    const clients = readdirSync(dir).flatMap((file) => readManifests(readFileSync(new URL(file, dir), 'utf8'), file).clients);
    expect(clients.length).toBeGreaterThan(5);
    for (const { client, source } of clients) {
      expect(validateOAuthClient(client), source).toBeUndefined();
      const run = await apply(oauthClient(client.metadata.name, client.spec), '--dry-run=server');
      expect(run.stderr, source).toBe('');
    }
  });

  it.each(valid)('accepts %s, as validate.ts does', async (label, spec) => {
    const client = oauthClient(nameOf(label), spec);
    expect(validateOAuthClient(client)).toBeUndefined();
    const run = await apply(client, '--dry-run=server');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it.each(refused)('refuses %s with the message validate.ts gives', async (label, spec, message) => {
    const client = oauthClient(nameOf(label), spec);
    expect(validateOAuthClient(client)?.message).toBe(message);
    const run = await apply(client);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`The OAuthClient "${client.metadata.name}" is invalid`);
    expect(run.stderr).toContain(`: ${message}\n`);
  });

  it.each(refusedBySchema)('refuses %s through the schema, as validate.ts does', async (label, spec, message) => {
    const client = oauthClient(nameOf(label), spec);
    expect(validateOAuthClient(client)).toBeDefined();
    const run = await apply(client);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(message);
  });

  it.each(refusedByCrdOnly)('refuses %s, which validate.ts lets through', async (label, spec, message) => {
    const client = oauthClient(nameOf(label), spec);
    expect(validateOAuthClient(client)).toBeUndefined();
    const run = await apply(client);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(message);
  });

  it('keeps clientId once set, and lets the rest of the spec change', async () => {
    const spec: OAuthClientSpec = { clientId: 'immutable.one', grantTypes: ['client_credentials'] };
    expect((await apply(oauthClient('immutable', spec))).code).toBe(0);

    const immutable = 'spec.clientId: Invalid value: "object": clientId is immutable once set; delete and recreate the OAuthClient to change it';
    const changed = await apply(oauthClient('immutable', { ...spec, clientId: 'immutable.two' }));
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toContain(immutable);
    const removed = await apply(oauthClient('immutable', { grantTypes: ['client_credentials'] }));
    expect(removed.code).not.toBe(0);
    expect(removed.stderr).toContain(immutable);

    const renamed = await apply(oauthClient('immutable', { ...spec, displayName: 'Immutable' }));
    expect(renamed.stderr).toBe('');
    const stored = await kubectl(['get', 'oauthclient', 'immutable', '-n', namespace, '-o', 'jsonpath={.spec}']);
    // requirePkce is the schema's only default.
    expect(JSON.parse(stored.stdout)).toEqual({ ...spec, displayName: 'Immutable', requirePkce: true });
  });

  it('gives an OAuthClient created without spec the smallest spec, so the controller never meets one without', async () => {
    const created = await apply({ apiVersion: `${API_GROUP}/${API_VERSION}`, kind: KIND, metadata: { name: 'no-spec', namespace } });
    expect(created.stderr).toBe('');
    const stored = await kubectl(['get', 'oauthclient', 'no-spec', '-n', namespace, '-o', 'jsonpath={.spec}']);
    expect(JSON.parse(stored.stdout)).toEqual({ requirePkce: true });
    expect(validateOAuthClient(oauthClient('no-spec', JSON.parse(stored.stdout) as OAuthClientSpec))).toBeUndefined();
  });

  it('explains spec.refreshToken with the CRD descriptions', async () => {
    const refreshToken = parse(readFileSync(CRD_FILE, 'utf8')).spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.refreshToken;
    // The API server publishes a new CRD's OpenAPI a moment after it is Established.
    let run = await kubectl(['explain', 'oauthclient.spec.refreshToken']);
    for (let tries = 0; run.code !== 0 && tries < 50; tries++) {
      await sleep(200);
      run = await kubectl(['explain', 'oauthclient.spec.refreshToken']);
    }
    expect(run.code).toBe(0);
    const shown = oneLine(run.stdout);
    expect(shown).toContain('Presenting a spent refresh token again revokes the whole grant');
    for (const field of [refreshToken, ...Object.values<{ description: string }>(refreshToken.properties)]) expect(shown).toContain(oneLine(field.description));
  });

  it('lists OAuthClients as oac with client ID, grants, readiness and the reason', async () => {
    expect((await apply(oauthClient('listed', { grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['https://a.test/cb'] }))).code).toBe(0);
    const status = { clientId: `listed.${namespace}`, grantTypes: ['authorization_code', 'refresh_token'], conditions: [{ type: 'Ready', status: 'True', reason: 'Ready', message: 'served', lastTransitionTime: '2026-01-01T00:00:00Z' }] };
    const patched = await kubectl(['patch', 'oac', 'listed', '-n', namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
    expect(patched.stderr).toBe('');

    const run = await kubectl(['get', 'oac', 'listed', '-n', namespace]);
    const [header, row] = run.stdout.trim().split('\n');
    expect(header).toMatch(/^NAME\s+CLIENT ID\s+GRANTS\s+READY\s+REASON\s+AGE$/);
    // A controller elsewhere in the run may have judged the client since; whatever it wrote is one of the three.
    expect(row).toMatch(new RegExp(`^listed\\s+listed\\.${namespace}\\s+\\["authorization_code","refresh_token"\\]\\s+(True|False|Unknown)\\s+[A-Za-z]+\\s+\\d+s$`));
    expect((await kubectl(['get', 'purser', '-n', namespace, '-o', 'name'])).stdout).toContain('oauthclient.purser.dev/listed');
  });

  it('refuses a status condition outside True, False and Unknown', async () => {
    expect((await apply(oauthClient('judged', {}))).code).toBe(0);
    const status = { conditions: [{ type: 'Ready', status: 'Maybe', reason: 'Ready', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] };
    const run = await kubectl(['patch', 'oac', 'judged', '-n', namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('status.conditions[0].status: Unsupported value: "Maybe": supported values: "True", "False", "Unknown"');
  });
});
