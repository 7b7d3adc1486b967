// The no-secret-in-logs promise on the error paths: a server logging at trace, driven through failing requests
// (wrong secret by Basic and in the body, a bad and a spent code, a bad and a spent refresh token, a forged JWT at
// introspection, a bad bearer at userinfo, a token in the query), writes no secret, token, code, password, cookie
// value or Authorization header value anywhere in its log.
import { SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { basic, FORM, form, send } from '../support/bad-input-http.ts';
import { ALICE, spawnPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { codeFlow, relyingParty, SECRETS } from '../support/rp.ts';

let server: TestServer & { output(): string };

beforeAll(async () => {
  server = await spawnPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('no-secrets-in-logs'), fixtures: await writeFixtures(), flags: ['--log-level=trace'] });
}, 60_000);
afterAll(async () => server?.close());

const WRONG_SECRET = 'wrong-secret-that-must-not-be-logged-0123456789';
const BAD_CODE = 'bad-code-that-must-not-be-logged-0123456789abcdef';
const BAD_REFRESH_TOKEN = 'bad-refresh-token-that-must-not-be-logged-0123456';
const BAD_BEARER = 'bad-bearer-that-must-not-be-logged-0123456789abcd';

const post = (path: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
  send(server.issuer, { method: 'POST', path, body: form(params), headers: { ...FORM, ...headers } });

describe('the log, at trace level, after failing requests', () => {
  it('contains no secret, token, code, password, cookie value or Authorization header value', async () => {
    const rp = await relyingParty(server.issuer, 'webapp.test');
    const { tokens, callbackUrl, codeVerifier, browser } = await codeFlow(rp, undefined, { scope: 'openid offline_access', prompt: 'consent' });
    const code = callbackUrl.searchParams.get('code')!;
    const rotated = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
    const webapp = basic('webapp.test', SECRETS['webapp.test']!);
    const forged = await new SignJWT({ client_id: 'webapp.test', secret: 'forged-claim-must-not-be-logged' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .sign(new TextEncoder().encode('forged-key-0123456789abcdef0123456789'));
    const failures = [
      post('/token', { grant_type: 'client_credentials' }, { authorization: basic('reports.test', WRONG_SECRET) }),
      post('/token', { grant_type: 'client_credentials', client_id: 'ledger.test', client_secret: WRONG_SECRET }),
      // The right secret by the method the client is not registered for.
      post('/token', { grant_type: 'client_credentials', client_id: 'reports.test', client_secret: SECRETS['reports.test']! }),
      post('/token', { grant_type: 'authorization_code', code: BAD_CODE, redirect_uri: 'http://127.0.0.1:9999/callback', code_verifier: codeVerifier }, { authorization: webapp }),
      post('/token', { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9999/callback', code_verifier: codeVerifier }, { authorization: webapp }),
      post('/token', { grant_type: 'refresh_token', refresh_token: BAD_REFRESH_TOKEN }, { authorization: webapp }),
      post('/token', { grant_type: 'refresh_token', refresh_token: `${tokens.refresh_token!}\n` }, { authorization: webapp }),
      post('/token/introspection', { token: forged }, { authorization: webapp }),
      post('/token/revocation', { token: forged }, { authorization: basic('webapp.test', WRONG_SECRET) }),
      send(server.issuer, { path: '/me', headers: { authorization: `Bearer ${BAD_BEARER}` } }),
      send(server.issuer, { path: `/me?access_token=${tokens.access_token}` }),
      send(server.issuer, { path: '/me', headers: { authorization: basic('webapp.test', SECRETS['webapp.test']!) } }),
    ];
    const answers = await Promise.all(failures);
    expect(answers.map((answer) => answer.status).every((status) => status >= 400 || status === 200)).toBe(true);
    expect(answers.filter((answer) => answer.status >= 400).length).toBeGreaterThanOrEqual(10);
    // The spent refresh token presented again (the reuse path revokes the grant, as the replayed code did).
    await post('/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }, { authorization: webapp });

    const log = server.output();
    // The requests were logged (one line each, at debug), so an empty log cannot pass.
    expect(log).toMatch(/"path":"\/token\/introspection","status":200/);
    expect(log).toMatch(/"path":"\/token","status":401/);
    // An interaction id is a cookie value and also, by design, a segment of the login pages' URLs (/interaction/<id>,
    // /auth/<id>), so the request log has it; alone it opens nothing (its signed cookie must come with it). The
    // session id and the cookie signatures are never in a URL.
    const interactionIds = [...browser.seenCookieValues].filter((value) => log.includes(`/interaction/${value}`));
    expect(interactionIds.length).toBeLessThanOrEqual(2);
    expect(browser.seenCookieValues.size - interactionIds.length).toBeGreaterThanOrEqual(3);
    const credentials = [
      ...Object.values(SECRETS), WRONG_SECRET, BAD_CODE, BAD_REFRESH_TOKEN, BAD_BEARER, ALICE.password, code, codeVerifier, forged,
      tokens.access_token, tokens.refresh_token!, tokens.id_token!, rotated.access_token, rotated.refresh_token!,
      webapp.slice('Basic '.length), basic('reports.test', WRONG_SECRET).slice('Basic '.length),
      ...[...browser.seenCookieValues].filter((value) => !interactionIds.includes(value)),
    ];
    for (const credential of credentials) expect(log, 'a credential in the log').not.toContain(credential);
  });
});
