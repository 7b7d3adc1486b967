// The client_credentials fast path (src/server/fast-token/, issue 16) against oidc-provider's own path: two servers on
// one Redis, the same keys, clients and issuer, one with PURSER_TOKEN_FAST_PATH on and one with it off, get the same
// requests over raw HTTP. Every answer must be the same (status, headers in order, body), tokens compared by their
// JOSE header bytes and their claims' names, order and values (jti, iat, exp aside), opaque tokens also by what the
// store keeps; and the fast server's purser_token_fast_path_total must count exactly the requests expected to take it.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { artifactKey } from '../../src/store/redis/keys.ts';
import { createRedisStore } from '../../src/store/redis/index.ts';
import { freePort, startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { postRaw, VOLATILE_HEADERS, type Answer, type RawRequest } from '../support/raw-http.ts';
import { connectTestRedis, uniquePrefix } from '../support/redis.ts';
import { forgeToken, JWT_BEARER, serviceAccountAuth } from '../support/service-account-tokens.ts';

const CLUSTER_ISSUER = 'https://cluster.fast-path.test';
const clusterKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

const CLIENTS = `
apiVersion: purser.dev/v1alpha1
kind: OAuthClient
metadata: { name: jobs, namespace: fast }
spec:
  grantTypes: [client_credentials]
  scopes: [jobs:read, jobs:write, jobs:admin, openid]
  audiences: [https://jobs.test, https://archive.test, https://unadmitted.test]
  accessToken: { format: jwt, ttl: 10m }
  secretName: jobs-secret
---
apiVersion: v1
kind: Secret
metadata: { name: jobs-secret, namespace: fast }
stringData: { client_secret: jobs-secret-0123456789abcdefghijklmnopq }
---
apiVersion: purser.dev/v1alpha1
kind: OAuthClient
metadata: { name: vault, namespace: fast }
spec:
  grantTypes: [client_credentials]
  scopes: [jobs:read]
  audiences: [https://jobs.test]
  accessToken: { format: opaque }
  tokenEndpointAuthMethod: client_secret_post
  secretName: vault-secret
---
apiVersion: v1
kind: Secret
metadata: { name: vault-secret, namespace: fast }
stringData: { client_secret: vault-secret-0123456789abcdefghijklmnopq }
---
apiVersion: purser.dev/v1alpha1
kind: OAuthClient
metadata: { name: worker, namespace: fast }
spec:
  grantTypes: [client_credentials]
  serviceAccounts: [worker]
  scopes: [jobs:read]
  audiences: [https://jobs.test]
---
apiVersion: purser.dev/v1alpha1
kind: OAuthClient
metadata: { name: stash, namespace: fast }
spec:
  grantTypes: [client_credentials]
  serviceAccounts: [stash]
  scopes: [jobs:read]
  audiences: [https://jobs.test]
  accessToken: { format: opaque }
---
apiVersion: purser.dev/v1alpha1
kind: OAuthClient
metadata: { name: web, namespace: fast }
spec:
  grantTypes: [authorization_code]
  redirectUris: [https://web.test/cb]
  scopes: [jobs:read]
  audiences: [https://jobs.test]
  secretName: web-secret
---
apiVersion: v1
kind: Secret
metadata: { name: web-secret, namespace: fast }
stringData: { client_secret: web-secret-0123456789abcdefghijklmnopqrs }
---
apiVersion: purser.dev/v1alpha1
kind: OAuthAPI
metadata: { name: jobs, namespace: fast }
spec:
  audience: https://jobs.test
  scopes:
    - { name: jobs:read, description: Read jobs }
    - { name: jobs:write, description: Write jobs }
    - { name: jobs:admin, description: Run jobs }
  access:
    - clients: [{ namespace: fast, name: jobs }]
      scopes: [jobs:read, jobs:write]
      flows: [clientCredentials]
    - clients: [{ namespace: fast, name: vault }]
      scopes: [jobs:read]
      flows: [clientCredentials]
    - serviceAccounts: [{ namespace: fast, name: worker }, { namespace: fast, name: stash }]
      scopes: [jobs:read]
      flows: [clientCredentials]
---
apiVersion: purser.dev/v1alpha1
kind: OAuthAPI
metadata: { name: archive, namespace: fast }
spec:
  audience: https://archive.test
  scopes:
    - { name: jobs:read, description: Read archived jobs }
  access:
    - clients: [{ namespace: fast, name: jobs }]
      scopes: [jobs:read]
      flows: [clientCredentials]
`;

let fast: TestServer;
let slow: TestServer;
let fastPrefix: string;
let slowPrefix: string;

const send = (server: TestServer, request: RawRequest): Promise<Answer> => postRaw(server.url, request);

const segment = (token: string, at: number): Record<string, unknown> => JSON.parse(Buffer.from(token.split('.')[at]!, 'base64url').toString()) as Record<string, unknown>;

/** A token's claims as compared: every name in order, values but jti, iat and exp, and the lifetime. */
function comparableClaims(token: string): unknown {
  const { jti, iat, exp, ...rest } = segment(token, 1);
  return { names: Object.keys(segment(token, 1)), rest, jti: typeof jti === 'string' && jti.length, lifetime: Number(exp) - Number(iat) };
}

/** What the store keeps for an opaque token, as compared: every field in order, values but iat and exp. */
async function storedToken(prefix: string, id: string): Promise<unknown> {
  const redis = connectTestRedis();
  try {
    const stored = JSON.parse((await redis.hget(artifactKey(prefix, 'ClientCredentials', id), 'p')) ?? 'null') as Record<string, unknown>;
    const { iat, exp, ...rest } = stored;
    return { names: Object.keys(stored), rest, lifetime: Number(exp) - Number(iat), ttl: await redis.ttl(artifactKey(prefix, 'ClientCredentials', id)) > 590 };
  } finally {
    redis.quit();
  }
}

/** An answer as compared: status, stable headers, and the body with its token reduced to what must match. */
async function comparable(answer: Answer, prefix: string): Promise<unknown> {
  const headers = answer.headers.filter(([name]) => !VOLATILE_HEADERS.has(name.toLowerCase()));
  let body: unknown = answer.body;
  if (answer.headers.some(([name, value]) => name.toLowerCase() === 'content-type' && value.startsWith('application/json'))) {
    const json = JSON.parse(answer.body) as Record<string, unknown>;
    const token = json.access_token;
    if (typeof token === 'string') {
      const parts = token.split('.');
      json.access_token =
        parts.length === 3
          ? { header: parts[0], claims: comparableClaims(token), signature: parts[2]!.length }
          : { tag: token.slice(0, 8), length: token.length, stored: await storedToken(prefix, token) };
    }
    body = { names: Object.keys(JSON.parse(answer.body) as object), json };
  }
  return { status: answer.status, headers, body };
}

async function fastPathCount(server = fast): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^purser_token_fast_path_total\{grant_type="client_credentials"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JOBS = basic('jobs.fast', 'jobs-secret-0123456789abcdefghijklmnopq');
const VAULT = 'client_id=vault.fast&client_secret=vault-secret-0123456789abcdefghijklmnopq';
const now = () => Math.floor(Date.now() / 1000);
const saToken = (name: string, claims: Record<string, unknown> = {}) =>
  forgeToken({ iss: CLUSTER_ISSUER, sub: `system:serviceaccount:fast:${name}`, aud: [fast.issuer], iat: now(), exp: now() + 600, ...claims }, clusterKey.privateKey, 'cluster-1');
const assertion = (client: string, token: string) => `client_id=${client}&client_assertion_type=${encodeURIComponent(JWT_BEARER)}&client_assertion=${token}`;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'purser-fast-path-'));
  await writeFile(join(dir, 'clients.yaml'), CLIENTS);
  const fixtures = await writeFixtures();
  [fastPrefix, slowPrefix] = [uniquePrefix('fast-path-on'), uniquePrefix('fast-path-off')];
  const jwk = { ...clusterKey.publicKey.export({ format: 'jwk' }), kid: 'cluster-1', alg: 'RS256', use: 'sig' };
  for (const prefix of [fastPrefix, slowPrefix]) {
    const store = await createRedisStore({ url: inject('redisUrl'), mode: 'standalone', prefix });
    await store.workloadIssuers.put({ issuers: [{ issuer: CLUSTER_ISSUER, keys: [jwk as { kty: string }] }], readAt: now() }, 3600);
    await store.close();
  }
  // One issuer for both (the fast server's address), as replicas share one: tokens, realms and audiences read the same.
  const port = await freePort();
  const options = { redisUrl: inject('redisUrl'), fixtures, clientsDir: dir, issuer: `http://127.0.0.1:${port}` };
  [fast, slow] = await Promise.all([
    startPurser({ ...options, prefix: fastPrefix, port }),
    startPurser({ ...options, prefix: slowPrefix, env: { PURSER_TOKEN_FAST_PATH: 'false' } }),
  ]);
}, 60_000);

afterAll(async () => Promise.all([fast?.close(), slow?.close()]));

type Case = [label: string, request: { path?: string; headers?: Record<string, string>; body?: string }, fastPath: boolean];

const CASES: Case[] = [
  ['JWT, client_secret_basic, default audience, no scope', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials' }, true],
  ['JWT, client_secret_basic, a scope subset', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=jobs%3Awrite' }, true],
  ['JWT, client_secret_basic, two scopes', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=jobs:read+jobs:write' }, true],
  ['JWT, an explicit resource (RFC 8707)', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=jobs:read&resource=https%3A%2F%2Farchive.test' }, true],
  ['JWT, a scope the audience does not carry', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=jobs:write&resource=https%3A%2F%2Farchive.test' }, false],
  ['JWT, client_id repeated in the body', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&client_id=jobs.fast' }, true],
  ['charset=utf-8', { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', authorization: JOBS }, body: 'grant_type=client_credentials' }, true],
  ['charset=UTF-8', { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8', authorization: JOBS }, body: 'grant_type=client_credentials' }, true],
  ['charset=UTF-8 without a space, as fetch writes it', { headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', authorization: JOBS }, body: 'grant_type=client_credentials' }, true],
  ['a quoted charset', { headers: { 'content-type': 'application/x-www-form-urlencoded; charset="utf-8"', authorization: JOBS }, body: 'grant_type=client_credentials' }, false],
  ['charset=iso-8859-1', { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1', authorization: JOBS }, body: 'grant_type=client_credentials' }, false],
  ['charset=unknown', { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=klingon', authorization: JOBS }, body: 'grant_type=client_credentials' }, false],
  ['opaque, client_secret_post', { headers: FORM, body: `grant_type=client_credentials&${VAULT}` }, true],
  ['opaque, client_secret_post, a scope', { headers: FORM, body: `grant_type=client_credentials&scope=jobs:read&${VAULT}` }, true],
  ['a wrong secret', { headers: { ...FORM, authorization: basic('jobs.fast', 'wrong-secret-0123456789abcdefghijklmnopq') }, body: 'grant_type=client_credentials' }, false],
  ['an unknown client', { headers: { ...FORM, authorization: basic('nobody.fast', 'jobs-secret-0123456789abcdefghijklmnopq') }, body: 'grant_type=client_credentials' }, false],
  ['client_secret_post for a client_secret_basic client', { headers: FORM, body: 'grant_type=client_credentials&client_id=jobs.fast&client_secret=jobs-secret-0123456789abcdefghijklmnopq' }, false],
  ['client_secret_basic for a client_secret_post client', { headers: { ...FORM, authorization: basic('vault.fast', 'vault-secret-0123456789abcdefghijklmnopq') }, body: 'grant_type=client_credentials' }, false],
  ['two client authentications', { headers: { ...FORM, authorization: JOBS }, body: `grant_type=client_credentials&client_secret=x` }, false],
  ['a client_id that is not the Basic one', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&client_id=vault.fast' }, false],
  ['a malformed Basic header', { headers: { ...FORM, authorization: 'Basic !!!' }, body: 'grant_type=client_credentials' }, false],
  ['a client without client_credentials', { headers: { ...FORM, authorization: basic('web.fast', 'web-secret-0123456789abcdefghijklmnopqrs') }, body: 'grant_type=client_credentials' }, false],
  ['a scope not on the allow-list', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=jobs:delete' }, false],
  ['a scope the OAuthAPI does not admit', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=jobs:admin' }, false],
  ['openid (needs a user)', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=openid' }, false],
  ['a repeated scope name', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=jobs:read+jobs:read' }, false],
  ['scope with a double space', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=jobs:read++jobs:write' }, false],
  ['an empty scope', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=' }, false],
  ['a resource no OAuthAPI admits', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&resource=https%3A%2F%2Funadmitted.test' }, false],
  ['a resource not among the audiences', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&resource=https%3A%2F%2Fevil.test' }, false],
  ['a resource with a fragment', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&resource=https%3A%2F%2Fjobs.test%23x' }, false],
  ['two resources', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&resource=https%3A%2F%2Fjobs.test&resource=https%3A%2F%2Farchive.test' }, false],
  ['grant_type twice', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&grant_type=client_credentials' }, false],
  ['scope twice', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=jobs:read&scope=jobs:read' }, false],
  ['no grant_type', { headers: { ...FORM, authorization: JOBS }, body: 'scope=jobs:read' }, false],
  ['another grant_type', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=refresh_token&refresh_token=abc' }, false],
  ['an unknown parameter', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&audience=https%3A%2F%2Fjobs.test' }, false],
  ['an empty body', { headers: { ...FORM, authorization: JOBS }, body: '' }, false],
  ['a lowercase basic scheme', { headers: { ...FORM, authorization: JOBS.replace('Basic', 'basic') }, body: 'grant_type=client_credentials' }, false],
  ['a JSON body', { headers: { 'content-type': 'application/json', authorization: JOBS }, body: '{"grant_type":"client_credentials"}' }, false],
  ['no content type', { headers: { authorization: JOBS }, body: 'grant_type=client_credentials' }, false],
  ['a DPoP header', { headers: { ...FORM, authorization: JOBS, dpop: 'not.a.proof' }, body: 'grant_type=client_credentials' }, false],
  ['an Origin header', { headers: { ...FORM, authorization: JOBS, origin: 'https://web.test' }, body: 'grant_type=client_credentials' }, false],
  ['a body over 56 KiB', { headers: { ...FORM, authorization: JOBS }, body: `grant_type=client_credentials&scope=${'a'.repeat(60 * 1024)}` }, false],
  ['gzip', { headers: { ...FORM, authorization: JOBS, 'content-encoding': 'gzip' }, body: 'grant_type=client_credentials' }, false],
  ['a query string', { path: '/token?scope=jobs:read', headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials' }, false],
  ['a trailing slash', { path: '/token/', headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials' }, false],
  ['a resource with a trailing slash (RFC 8707 §2)', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&resource=https%3A%2F%2Fjobs.test%2F' }, false],
  ['a resource with an upper-case scheme and host (RFC 8707 §2)', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&resource=HTTPS%3A%2F%2FJOBS.test' }, false],
  ['a resource with an empty fragment (RFC 8707 §2)', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&resource=https%3A%2F%2Fjobs.test%23' }, false],
  ['an empty resource', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&resource=' }, false],
  // Handed over unparsed: the fast path reads only bodies that say grant_type=client_credentials literally.
  ['percent-encoded parameter names', { headers: { ...FORM, authorization: JOBS }, body: 'grant%5Ftype=client%5Fcredentials&scope=jobs%3aread' }, false],
  ['scope with %20 instead of +', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=jobs:read%20jobs:write' }, true],
  ['a scope with a trailing space', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials&scope=jobs:read+' }, false],
  ['an upper-case grant_type', { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=Client_Credentials' }, false],
  ['Basic with every character of id and secret percent-encoded (RFC 6749 §2.3.1)', { headers: { ...FORM, authorization: `Basic ${Buffer.from(`${[...'jobs.fast'].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('')}:${[...'jobs-secret-0123456789abcdefghijklmnopq'].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')}`).toString('base64')}` }, body: 'grant_type=client_credentials' }, true],
  ['Basic unpadded base64', { headers: { ...FORM, authorization: `Basic ${Buffer.from('jobs.fast:jobs-secret-0123456789abcdefghijklmnopq').toString('base64').replace(/=+$/, '')}` }, body: 'grant_type=client_credentials' }, false],
  ['Basic with two spaces', { headers: { ...FORM, authorization: JOBS.replace('Basic ', 'Basic  ') }, body: 'grant_type=client_credentials' }, false],
  ['Basic with an empty secret', { headers: { ...FORM, authorization: basic('jobs.fast', '') }, body: 'grant_type=client_credentials' }, false],
  ['Basic with a bad percent escape', { headers: { ...FORM, authorization: `Basic ${Buffer.from('jobs.fast:jobs-secret-%zz').toString('base64')}` }, body: 'grant_type=client_credentials' }, false],
  ['Basic and client_assertion_type', { headers: { ...FORM, authorization: JOBS }, body: `grant_type=client_credentials&client_assertion_type=${encodeURIComponent(JWT_BEARER)}` }, false],
  ['client_secret_post with an empty client_id', { headers: FORM, body: 'grant_type=client_credentials&client_id=&client_secret=vault-secret-0123456789abcdefghijklmnopq' }, false],
  ['client_secret_post with the id percent-encoded', { headers: FORM, body: 'grant_type=client_credentials&client_id=vault%2Efast&client_secret=vault%2Dsecret-0123456789abcdefghijklmnopq' }, true],
  ['a content type in upper case', { headers: { 'content-type': 'APPLICATION/X-WWW-FORM-URLENCODED', authorization: JOBS }, body: 'grant_type=client_credentials' }, true],
  ['a content type with another parameter', { headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8; q=1', authorization: JOBS }, body: 'grant_type=client_credentials' }, false],
  ['a UTF-8 BOM before the form', { headers: { ...FORM, authorization: JOBS }, body: '\ufeffgrant_type=client_credentials' }, false],
  ['a path in upper case', { path: '/TOKEN', headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials' }, false],
  ['a double slash path', { path: '//token', headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials' }, false],
];

describe('the client_credentials fast path answers as oidc-provider does (RFC 6749 §4.4)', () => {
  it.each(CASES)('%s', async (_label, request, fastPath) => {
    const before = await fastPathCount();
    const [onFast, onSlow] = await Promise.all([send(fast, request), send(slow, request)]);
    expect(await comparable(onFast, fastPrefix)).toEqual(await comparable(onSlow, slowPrefix));
    expect((await fastPathCount()) - before).toBe(fastPath ? 1 : 0);
    if (fastPath) expect(onFast.status).toBe(200);
  });

  it.each([
    ['a ServiceAccount token (RFC 7523 §2.2), JWT', () => assertion('worker.fast', saToken('worker')), true],
    ['a ServiceAccount token, opaque', () => assertion('stash.fast', saToken('stash')), true],
    ['a ServiceAccount token with a scope', () => `${assertion('worker.fast', saToken('worker'))}&scope=jobs:read`, true],
    ['a ServiceAccount the client does not list', () => assertion('worker.fast', saToken('stash')), false],
    ['a ServiceAccount token for another audience', () => assertion('worker.fast', saToken('worker', { aud: ['https://elsewhere.test'] })), false],
    ['an expired ServiceAccount token', () => assertion('worker.fast', saToken('worker', { exp: now() - 3600 })), false],
    ['a ServiceAccount token without client_id', () => assertion('worker.fast', saToken('worker')).replace('client_id=worker.fast&', ''), false],
  ])('%s', async (_label, body, fastPath) => {
    const form = `grant_type=client_credentials&${body()}`;
    const before = await fastPathCount();
    const [onFast, onSlow] = await Promise.all([send(fast, { headers: FORM, body: form }), send(slow, { headers: FORM, body: form })]);
    expect(await comparable(onFast, fastPrefix)).toEqual(await comparable(onSlow, slowPrefix));
    expect((await fastPathCount()) - before).toBe(fastPath ? 1 : 0);
  });

  it('the service_account claim reaches introspection of an opaque token, and revocation ends it (RFC 7662 §2.2, RFC 7009 §2.1)', async () => {
    const rp = await oidc.discovery(new URL(fast.issuer), 'stash.fast', undefined, serviceAccountAuth(() => saToken('stash')), { execute: [oidc.allowInsecureRequests] });
    const before = await fastPathCount();
    const { access_token: token } = await oidc.clientCredentialsGrant(rp, { scope: 'jobs:read' });
    expect(await fastPathCount()).toBe(before + 1);
    expect(await oidc.tokenIntrospection(rp, token)).toMatchObject({ active: true, client_id: 'stash.fast', scope: 'jobs:read', aud: 'https://jobs.test', service_account: 'system:serviceaccount:fast:stash' });
    await oidc.tokenRevocation(rp, token);
    expect((await oidc.tokenIntrospection(rp, token)).active).toBe(false);
  });

  it('RFC 9112 §9.3.2: pipelined requests on one connection, taken and handed over in turn, get their own answers in order', async () => {
    const raw = (body: string, authorization?: string) =>
      `POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n${authorization ? `Authorization: ${authorization}\r\n` : ''}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const pipeline = [
      raw('grant_type=client_credentials&scope=jobs:read', JOBS),
      raw('grant_type=client_credentials&scope=jobs:delete', JOBS),
      raw(`grant_type=client_credentials&${VAULT}`),
      raw('grant_type=client_credentials', basic('jobs.fast', 'wrong-secret-0123456789abcdefghijklmnopq')),
      raw('grant_type=client_credentials&scope=jobs:write', JOBS).replace('Host: x', 'Host: x\r\nConnection: close'),
    ].join('');
    const statuses = async (server: TestServer) => {
      const target = new URL(server.url);
      const text = await new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const socket = connect(Number(target.port), target.hostname, () => socket.write(pipeline));
        socket.on('data', (chunk: Buffer) => chunks.push(chunk)).on('error', reject).on('close', () => resolve(Buffer.concat(chunks).toString()));
      });
      return [...text.matchAll(/HTTP\/1\.1 (\d{3})[^]*?\r\n\r\n(\{[^\r]*?\})(?=HTTP\/1\.1|$)/g)].map(([, status, body]) => `${status} ${(JSON.parse(body!) as { scope?: string; error?: string }).scope ?? (JSON.parse(body!) as { error?: string }).error ?? '-'}`);
    };
    const before = await fastPathCount();
    const [onFast, onSlow] = [await statuses(fast), await statuses(slow)];
    expect(onFast).toEqual(['200 jobs:read', '400 jobs:delete', '200 -', '401 invalid_client', '200 jobs:write']);
    expect(onFast).toEqual(onSlow);
    expect((await fastPathCount()) - before).toBe(3);
  });

  it('RFC 6749 §4.4.2: 400 forms built from seeded random parts get the same answer from both servers', async () => {
    // Parts a client might send, odd ones included; a form is one pick of each (empty picks leave the part out). No
    // wrong secret among them: 20 would close the address (client-auth-limit.ts), and the cases above compare those.
    const GRANTS = ['grant_type=client_credentials', 'grant_type=client_credentials', 'grant_type=client_credentials', 'grant_type=client%5Fcredentials', 'grant%5Ftype=client_credentials', 'grant_type=Client_Credentials', 'grant_type=', ''];
    const SCOPES = ['', '', '', '', 'scope=jobs:read', 'scope=jobs:read', 'scope=jobs%3Aread+jobs%3Awrite', 'scope=jobs:read%20jobs:write', 'scope=jobs:write+jobs:read', 'scope=jobs:admin', 'scope=openid', 'scope=', 'scope=%20jobs:read', 'scope=jobs:read%09jobs:write', 'scope=JOBS:READ', 'scope=jobs:read&scope=jobs:write'];
    const RESOURCES = ['', '', '', '', '', 'resource=https%3A%2F%2Fjobs.test', 'resource=https://jobs.test', 'resource=https%3A%2F%2Farchive.test', 'resource=https%3A%2F%2Fjobs.test%2F', 'resource=https%3A%2F%2Fjobs.test%3A443', 'resource=https%3A%2F%2Fjobs.test%2F.', 'resource=jobs.test', 'resource=https%3A%2F%2Fxn--jbs-fna.test', 'resource=https%3A%2F%2Fjobs.test%3Fq'];
    const AUTH: Array<[Record<string, string>, string]> = [
      [{ authorization: JOBS }, ''],
      [{ authorization: JOBS }, 'client_id=jobs.fast'],
      [{ authorization: JOBS }, 'client_id=jobs%2Efast'],
      [{ authorization: JOBS }, 'client_id=JOBS.fast'],
      [{ authorization: `Basic ${Buffer.from('jobs.fast:jobs-secret-0123456789abcdefghijklmnopq').toString('base64')}` }, ''],
      [{}, VAULT],
      [{}, VAULT.replace('vault-secret', 'vault%2Dsecret')],
      [{}, `${VAULT}&client_secret=x`],
      [{ authorization: basic('vault.fast', 'vault-secret-0123456789abcdefghijklmnopq') }, 'client_id=vault.fast'],
      [{}, 'client_id=jobs.fast&client_secret=jobs-secret-0123456789abcdefghijklmnopq'],
    ];
    const EXTRAS = ['', '', '', '', '', '', '', '', 'audience=x', 'client_assertion_type=x', 'foo', '=x', '&', 'a=1&a=2'];
    let seed = 16;
    const pick = <T,>(list: T[]): T => list[(seed = (seed * 1103515245 + 12345) % 2147483648) % list.length]!;
    const mismatches: string[] = [];
    const before = await fastPathCount();
    for (let i = 0; i < 400; i++) {
      const [headers, credentials] = pick(AUTH);
      const parts = [pick(GRANTS), pick(SCOPES), pick(RESOURCES), credentials, pick(EXTRAS)].filter(Boolean);
      for (let j = parts.length - 1; j > 0; j--) {
        const k = pick([...Array(j + 1).keys()]);
        [parts[j], parts[k]] = [parts[k]!, parts[j]!];
      }
      const request = { headers: { ...FORM, ...headers }, body: parts.join('&') };
      const [onFast, onSlow] = await Promise.all([send(fast, request), send(slow, request)]);
      const [a, b] = await Promise.all([comparable(onFast, fastPrefix), comparable(onSlow, slowPrefix)]);
      if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push(`${JSON.stringify(request)}\n fast: ${JSON.stringify(a)}\n slow: ${JSON.stringify(b)}`);
    }
    expect(mismatches).toEqual([]);
    // Not vacuous: the fast path took a good share of them.
    expect((await fastPathCount()) - before).toBeGreaterThan(50);
  });

  it('with PURSER_TOKEN_FAST_PATH=false, oidc-provider answered every request', async () => {
    expect(await fastPathCount(slow)).toBe(0);
    expect(await fastPathCount(fast)).toBeGreaterThan(10);
  });

  it('a refused address is refused on the fast server too, the right secret included', async () => {
    const wrong = { headers: { ...FORM, authorization: basic('jobs.fast', 'wrong-secret-0123456789abcdefghijklmnopq') }, body: 'grant_type=client_credentials' };
    for (let attempt = 0; attempt < 20; attempt++) await Promise.all([send(fast, wrong), send(slow, wrong)]);
    const right = { headers: { ...FORM, authorization: JOBS }, body: 'grant_type=client_credentials' };
    const before = await fastPathCount();
    const [onFast, onSlow] = await Promise.all([send(fast, right), send(slow, right)]);
    expect(onFast.status).toBe(429);
    expect(await comparable(onFast, fastPrefix)).toEqual(await comparable(onSlow, slowPrefix));
    expect(await fastPathCount()).toBe(before);
  });
});
