// The refresh_token fast path (src/server/fast-token/refresh.ts, issue 16) against oidc-provider's own path: two
// replicas of one installation (one Redis prefix, the same keys, clients and issuer), one with PURSER_TOKEN_FAST_PATH
// on and one with it off. Each case signs in twice, one refresh chain per replica, and presents the same kind of
// request to each over raw HTTP. Every answer must be the same: status, headers in order, body names in order, and
// its tokens by their JOSE header bytes, their claims' names in order and values, and what the store keeps for them
// (fields in order and values), all but the values that differ between two sign-ins (ids, times, hashes of those).
// The fast replica's purser_token_fast_path_total{grant_type="refresh_token"} must count exactly the cases expected to
// take it; and tokens one replica issued must work on the other.
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { GRANT_SOURCE_GONE, REFRESH_TOKEN_ALREADY_USED, REFRESH_TOKEN_NOT_RECOGNISED } from '../../src/server/errors/descriptions.ts';
import { artifactKey } from '../../src/store/redis/keys.ts';
import { Browser } from '../support/browser.ts';
import { CLIENTS_DIR, freePort, startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { postRaw, VOLATILE_HEADERS, type Answer, type RawRequest } from '../support/raw-http.ts';
import { connectTestRedis, uniquePrefix } from '../support/redis.ts';
import { codeFlow, relyingParty, SECRETS } from '../support/rp.ts';

const POSTER_SECRET = 'poster-secret-0123456789abcdefghijklmnopq';
/** The test clients, and one more that authenticates with client_secret_post. */
const POSTING_CLIENT = `
apiVersion: purser.dev/v1alpha1
kind: OAuthClient
metadata: { name: poster, namespace: test }
spec:
  grantTypes: [authorization_code, refresh_token]
  redirectUris: [http://127.0.0.1:9999/callback]
  scopes: [openid, offline_access]
  skipConsent: true
  tokenEndpointAuthMethod: client_secret_post
  secretName: poster-secret
---
apiVersion: v1
kind: Secret
metadata: { name: poster-secret, namespace: test }
stringData: { client_secret: ${POSTER_SECRET} }
`;
let fast: TestServer;
let slow: TestServer;
let prefix: string;

beforeAll(async () => {
  const fixtures = await writeFixtures();
  const clientsDir = await mkdtemp(join(tmpdir(), 'purser-fast-refresh-'));
  await cp(CLIENTS_DIR, clientsDir, { recursive: true });
  await writeFile(join(clientsDir, 'poster.yaml'), POSTING_CLIENT);
  prefix = uniquePrefix('fast-refresh');
  const port = await freePort();
  const options = { redisUrl: inject('redisUrl'), fixtures, clientsDir, prefix, issuer: `http://127.0.0.1:${port}` };
  [fast, slow] = await Promise.all([startPurser({ ...options, port }), startPurser({ ...options, env: { PURSER_TOKEN_FAST_PATH: 'false' } })]);
}, 60_000);

afterAll(async () => Promise.all([fast?.close(), slow?.close()]));

/** Values that differ between two sign-ins of the same user and client, or two refreshes: compared by type only. */
const VOLATILE = new Set(['jti', 'iat', 'exp', 'iiat', 'auth_time', 'authTime', 'at_hash', 'sid', 'nonce', 'grantId', 'sessionUid', 'grant_ref']);

const decode = (segment: string): Record<string, unknown> => JSON.parse(Buffer.from(segment, 'base64url').toString()) as Record<string, unknown>;

/** An object as compared: every name in order, volatile values by type, the lifetime when it has iat and exp. */
function comparableObject(object: Record<string, unknown> | null): unknown {
  if (!object) return null;
  const values = Object.fromEntries(Object.entries(object).map(([name, value]) => [name, VOLATILE.has(name) ? typeof value : value]));
  const lifetime = typeof object.exp === 'number' && typeof object.iat === 'number' ? object.exp - object.iat : undefined;
  return { names: Object.keys(object), values, lifetime };
}

async function stored(model: string, id: string): Promise<unknown> {
  const redis = connectTestRedis();
  try {
    return comparableObject(JSON.parse((await redis.hget(artifactKey(prefix, model, id), 'p')) ?? 'null') as Record<string, unknown> | null);
  } finally {
    redis.quit();
  }
}

/** A token as compared: a JWT by header bytes, claims and signature length; an opaque one by length and what the store keeps. */
async function comparableToken(token: unknown, model: string): Promise<unknown> {
  if (typeof token !== 'string') return token;
  const parts = token.split('.');
  if (parts.length === 3) return { header: parts[0], claims: comparableObject(decode(parts[1]!)), signature: parts[2]!.length };
  return { length: token.length, stored: await stored(model, token) };
}

async function comparable(answer: Answer): Promise<unknown> {
  const headers = answer.headers.filter(([name]) => !VOLATILE_HEADERS.has(name.toLowerCase()));
  const json = JSON.parse(answer.body) as Record<string, unknown>;
  const body = {
    names: Object.keys(json),
    ...json,
    access_token: await comparableToken(json.access_token, 'AccessToken'),
    refresh_token: await comparableToken(json.refresh_token, 'RefreshToken'),
    id_token: await comparableToken(json.id_token, 'IdToken'),
  };
  return { status: answer.status, headers, body };
}

async function fastPathCount(server = fast): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^purser_token_fast_path_total\{grant_type="refresh_token"\} (\d+)/m.exec(text)?.[1] ?? 0);
}

const basic = (id: string, secret = SECRETS[id]!) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A refresh token of a new sign-in of alice to `clientId` with `scope` (consent shown, so offline_access is granted). */
async function refreshTokenOf(clientId: string, scope: string): Promise<string> {
  const rp = await relyingParty(fast.issuer, clientId, clientId === 'poster.test' ? { auth: oidc.ClientSecretPost(POSTER_SECRET) } : {});
  const { tokens } = await codeFlow(rp, new Browser(), { scope, prompt: 'consent' });
  return tokens.refresh_token!;
}

const refreshRequest = (token: string, authorization = basic('webapp.test'), extra = ''): RawRequest => ({
  headers: { ...FORM, authorization },
  body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}${extra}`,
});

interface Case {
  label: string;
  client?: string;
  scope?: string;
  /** The request for a chain's refresh token; `present` first presents it once (a rotation before the compared one). */
  request: (token: string) => RawRequest;
  present?: boolean;
  fastPath: boolean;
}

const OFFLINE = 'openid offline_access';
/** What a presentation losing a race for one token is told: it was used, its family was revoked meanwhile, or before it was read. */
const RACE_REFUSALS = [REFRESH_TOKEN_ALREADY_USED, GRANT_SOURCE_GONE, REFRESH_TOKEN_NOT_RECOGNISED];
const CASES: Case[] = [
  { label: 'opaque access token and id_token, client_secret_basic (RFC 6749 §6)', request: (t) => refreshRequest(t), fastPath: true },
  { label: 'the claims of profile, email and groups', scope: `${OFFLINE} profile email groups`, request: (t) => refreshRequest(t), fastPath: true },
  { label: 'a JWT access token for an OAuthAPI (RFC 9068)', scope: `${OFFLINE} reports:read`, request: (t) => refreshRequest(t), fastPath: true },
  { label: 'client_secret_post (OpenID Connect Core §9)', client: 'poster.test', request: (t) => ({ headers: FORM, body: `grant_type=refresh_token&refresh_token=${t}&client_id=poster.test&client_secret=${POSTER_SECRET}` }), fastPath: true },
  { label: 'client_secret_basic for a client_secret_post client', client: 'poster.test', request: (t) => refreshRequest(t, basic('poster.test', POSTER_SECRET)), fastPath: false },
  { label: 'client_id repeated in the body', request: (t) => refreshRequest(t, undefined, '&client_id=webapp.test'), fastPath: true },
  { label: 'within the reuse grace, a second presentation gets the same successor (RFC 9700 §4.14.2)', client: 'graceful.test', request: (t) => refreshRequest(t, basic('graceful.test')), present: true, fastPath: true },
  { label: 'a reused token, no grace: refused and the family revoked (RFC 9700 §4.14.2)', request: (t) => refreshRequest(t), present: true, fastPath: false },
  { label: 'a scope (RFC 6749 §6)', request: (t) => refreshRequest(t, undefined, '&scope=openid'), fastPath: false },
  { label: 'a resource (RFC 8707 §2)', scope: `${OFFLINE} reports:read`, request: (t) => refreshRequest(t, undefined, '&resource=https%3A%2F%2Freports.test'), fastPath: false },
  { label: 'another client presents it', request: (t) => refreshRequest(t, basic('graceful.test')), fastPath: false },
  { label: 'an unknown token', request: (t) => refreshRequest(`${t}x`), fastPath: false },
  { label: 'a wrong secret', request: (t) => refreshRequest(t, basic('webapp.test', 'wrong-secret-0123456789abcdefghijklmnopq')), fastPath: false },
  { label: 'client_secret_post for a client_secret_basic client', request: (t) => ({ headers: FORM, body: `grant_type=refresh_token&refresh_token=${t}&client_id=webapp.test&client_secret=${SECRETS['webapp.test']}` }), fastPath: false },
  { label: 'a DPoP header', request: (t) => ({ ...refreshRequest(t), headers: { ...refreshRequest(t).headers, dpop: 'not.a.proof' } }), fastPath: false },
  { label: 'refresh_token twice', request: (t) => refreshRequest(t, undefined, `&refresh_token=${t}`), fastPath: false },
  { label: 'no refresh_token', request: () => ({ headers: { ...FORM, authorization: basic('webapp.test') }, body: 'grant_type=refresh_token' }), fastPath: false },
];

describe('the refresh_token fast path answers as oidc-provider does', () => {
  it.each(CASES.map((c) => [c.label, c] as const))('%s', async (_label, { client = 'webapp.test', scope = OFFLINE, request, present, fastPath }) => {
    const [onFastToken, onSlowToken] = await Promise.all([refreshTokenOf(client, scope), refreshTokenOf(client, scope)]);
    if (present) {
      expect((await postRaw(fast.url, request(onFastToken))).status).toBe(200);
      expect((await postRaw(slow.url, request(onSlowToken))).status).toBe(200);
    }
    const before = await fastPathCount();
    const [onFast, onSlow] = [await postRaw(fast.url, request(onFastToken)), await postRaw(slow.url, request(onSlowToken))];
    expect(await comparable(onFast)).toEqual(await comparable(onSlow));
    expect((await fastPathCount()) - before).toBe(fastPath ? 1 : 0);
    if (fastPath) expect(onFast.status).toBe(200);
  });

  it('RFC 9700 §4.14.2: of 6 concurrent presentations of one token without a reuse grace, one succeeds; the refusals are those oidc-provider gives', async () => {
    const [fastToken, slowToken] = await Promise.all([refreshTokenOf('webapp.test', OFFLINE), refreshTokenOf('webapp.test', OFFLINE)]);
    /** The answers, sorted; a refusal by its status, headers but Content-Length, and error (which description a refusal gets depends on the race). */
    const burst = async (server: TestServer, token: string) => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => postRaw(server.url, refreshRequest(token))));
      const compared = (await Promise.all(answers.map(comparable))) as Array<{ status: number; headers: [string, string][]; body: { error_description?: string } }>;
      const descriptions = compared.map((answer) => answer.body.error_description).filter((description) => description !== undefined);
      expect(descriptions.every((description) => RACE_REFUSALS.includes(description))).toBe(true);
      return compared
        .map(({ status, headers, body }) => JSON.stringify(status === 200 ? { status, headers, body } : { status, headers: headers.filter(([name]) => name !== 'Content-Length'), error: (body as { error?: string }).error }))
        .sort();
    };
    const [onFast, onSlow] = [await burst(fast, fastToken), await burst(slow, slowToken)];
    expect(onFast.filter((answer) => answer.startsWith('{"status":200')).length).toBe(1);
    expect(onFast).toEqual(onSlow);
  });

  it('RFC 6749 §6: a chain goes on across replicas, and each accepts the tokens the other issued', async () => {
    const rp = await relyingParty(fast.issuer, 'webapp.test');
    let token = await refreshTokenOf('webapp.test', OFFLINE);
    const before = await fastPathCount();
    for (const [rotation, server] of [fast, slow, fast, slow, fast].entries()) {
      const answer = await postRaw(server.url, refreshRequest(token));
      expect(answer.status, `rotation ${rotation}`).toBe(200);
      const json = JSON.parse(answer.body) as { refresh_token: string; access_token: string };
      token = json.refresh_token;
      // The access token works on the other replica (RFC 7662 §2.2).
      const other = server === fast ? slow : fast;
      expect((await oidc.tokenIntrospection(await relyingParty(fast.issuer, 'webapp.test', { via: other.url }), json.access_token)).active).toBe(true);
    }
    expect((await fastPathCount()) - before).toBe(3);
    expect((await oidc.refreshTokenGrant(rp, token)).access_token).toEqual(expect.any(String));
  });

  it('RFC 6749 §6: 200 forms built from seeded random parts get the same answer from both replicas', async () => {
    const [fastToken, slowToken] = await Promise.all([refreshTokenOf('graceful.test', OFFLINE), refreshTokenOf('graceful.test', OFFLINE)]);
    // Parts a client might send, odd ones included; a form is one pick of each, shuffled. The client has a reuse grace,
    // so every successful presentation of the same token keeps it usable. No wrong secret: 20 would close the address.
    const GRANTS = ['grant_type=refresh_token', 'grant_type=refresh_token', 'grant_type=refresh_token', 'grant_type=refresh%5Ftoken', 'grant_type=Refresh_Token', 'grant_type=', ''];
    const TOKENS = ['refresh_token=$', 'refresh_token=$', 'refresh_token=$', 'refresh_token=', 'refresh_token=$&refresh_token=$', 'refresh_token=x', ''];
    const EXTRAS = ['', '', '', '', '', 'scope=openid', 'scope=', 'resource=https%3A%2F%2Freports.test', 'claims=%7B%7D', 'audience=x', 'client_id=graceful.test', 'client_id=webapp.test', 'foo', '&'];
    const AUTH: Array<Record<string, string>> = [{ authorization: basic('graceful.test') }, { authorization: basic('graceful.test') }, { authorization: basic('webapp.test') }, {}];
    let seed = 16;
    const pick = <T,>(list: T[]): T => list[(seed = (seed * 1103515245 + 12345) % 2147483648) % list.length]!;
    const mismatches: string[] = [];
    const before = await fastPathCount();
    for (let i = 0; i < 200; i++) {
      const parts = [pick(GRANTS), pick(TOKENS), pick(EXTRAS)].filter(Boolean);
      for (let j = parts.length - 1; j > 0; j--) {
        const k = pick([...Array(j + 1).keys()]);
        [parts[j], parts[k]] = [parts[k]!, parts[j]!];
      }
      const headers = { ...FORM, ...pick(AUTH) };
      const body = parts.join('&');
      const [onFast, onSlow] = [
        await postRaw(fast.url, { headers, body: body.replaceAll('$', encodeURIComponent(fastToken)) }),
        await postRaw(slow.url, { headers, body: body.replaceAll('$', encodeURIComponent(slowToken)) }),
      ];
      const [a, b] = [await comparable(onFast), await comparable(onSlow)];
      if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push(`${JSON.stringify({ headers, body })}\n fast: ${JSON.stringify(a)}\n slow: ${JSON.stringify(b)}`);
    }
    expect(mismatches).toEqual([]);
    // Not vacuous: the fast path took a good share of them.
    expect((await fastPathCount()) - before).toBeGreaterThan(10);
  });

  it('with PURSER_TOKEN_FAST_PATH=false, oidc-provider answered every refresh', async () => {
    expect(await fastPathCount(slow)).toBe(0);
    expect(await fastPathCount(fast)).toBeGreaterThan(10);
  });
});
