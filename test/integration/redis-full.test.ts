// A Redis at its `maxmemory` with `noeviction` refuses every write, and every client gets a proper answer: a 503
// `temporarily_unavailable` (JSON for programs, the error page for people, a redirect to the client from /auth as
// RFC 6749 §4.1.2.1 allows), with nothing consumed and nothing half-written, so that all of it works once memory is
// freed. Reads (a JWT client_credentials token, introspection) and removals (revocation) keep working meanwhile.
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRedisStore } from '../../src/store/redis/index.ts';
import { STORE_FAULT_DESCRIPTIONS, StoreUnavailableError, TEMPORARILY_UNAVAILABLE } from '../../src/store/unavailable.ts';
import { basic, form } from '../support/bad-input-http.ts';
import { Browser, type Page } from '../support/browser.ts';
import { ALICE, startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { fillRedis, freeRedis, snapshot } from '../support/redis-faults.ts';
import { startRedisServer, type StartedRedisServer } from '../support/redis-server.ts';
import { authorize, codeFlow, oauthFailure, REDIRECT_URI, relyingParty, SECRETS } from '../support/rp.ts';

let redis: StartedRedisServer;
let admin: Redis;
let server: TestServer;
const PREFIX = 'full:';

beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  server = await startPurser({ redisUrl: redis.url, prefix: PREFIX, fixtures: await writeFixtures() });
});

afterAll(async () => {
  await server?.close();
  await admin?.quit();
  await redis?.stop();
});

const UNAVAILABLE = { error: TEMPORARILY_UNAVAILABLE, error_description: STORE_FAULT_DESCRIPTIONS.full };

async function tokenRequest(clientId: string, params: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  // ledger.test authenticates with client_secret_post, the others with HTTP Basic.
  const post = clientId === 'ledger.test';
  const auth: Record<string, string> = post ? { client_id: clientId, client_secret: SECRETS[clientId]! } : {};
  const response = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(post ? {} : { authorization: basic(clientId, SECRETS[clientId]!) }) },
    body: form({ ...params, ...auth }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A browser at the login page of a new authorization request. */
async function atLoginPage(rp: oidc.Configuration, browser: Browser, params: Record<string, string> = {}): Promise<Page> {
  const url = oidc.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', ...params });
  return browser.follow(await browser.get(url.href), REDIRECT_URI);
}

const titleOf = (page: Page) => /<title>([^<]*)<\/title>/.exec(page.body)?.[1];

describe('a full Redis (maxmemory, noeviction)', () => {
  it('refuses every write with 503 temporarily_unavailable, consumes and half-writes nothing, and serves it all once freed', async () => {
    const rp = await relyingParty(server.issuer, 'webapp.test');
    // Before the fault: a refresh token, a code not yet redeemed, a signed-in browser, and two forms in progress.
    const signedIn = await codeFlow(rp, new Browser(), { scope: 'openid offline_access', prompt: 'consent' });
    const pending = await authorize(rp, new Browser(), { scope: 'openid offline_access', prompt: 'consent' });
    const loginBrowser = new Browser();
    const loginPage = await atLoginPage(rp, loginBrowser);
    const consentBrowser = new Browser();
    const consentPage = await consentBrowser.submit(await atLoginPage(rp, consentBrowser, { prompt: 'consent' }), { username: ALICE.username, password: ALICE.password });
    const consentForm = await consentBrowser.follow(consentPage, REDIRECT_URI);
    expect(consentForm.body).toContain('/confirm"');
    const redeem = () => oidc.authorizationCodeGrant(rp, pending.callbackUrl, { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce });

    const before = await snapshot(admin, PREFIX);
    await fillRedis(admin);

    // Programs: JSON 503 at the token endpoint, for every grant that writes.
    expect(await tokenRequest('ledger.test', { grant_type: 'client_credentials' })).toEqual({ status: 503, body: UNAVAILABLE });
    expect(await oauthFailure(redeem())).toEqual({ status: 503, ...UNAVAILABLE });
    expect(await oauthFailure(oidc.refreshTokenGrant(rp, signedIn.tokens.refresh_token!))).toEqual({ status: 503, ...UNAVAILABLE });
    // A JWT client_credentials token stores nothing, and introspection only reads: both still work.
    expect((await tokenRequest('reports.test', { grant_type: 'client_credentials' })).status).toBe(200);
    expect((await oidc.tokenIntrospection(rp, signedIn.tokens.refresh_token!)).active).toBe(true);

    // People: a signed-in browser at /auth goes back to the client with the error (RFC 6749 §4.1.2.1) ...
    const again = await signedIn.browser.follow(await signedIn.browser.get(oidc.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 's1', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).href), REDIRECT_URI);
    const back = new URL(again.location!);
    expect([back.origin + back.pathname, back.searchParams.get('error'), back.searchParams.get('state')]).toEqual([REDIRECT_URI, TEMPORARILY_UNAVAILABLE, 's1']);
    // ... and the forms answer with a page saying to try again: the login (right or wrong password) and the consent.
    for (const password of [ALICE.password, 'wrong password']) {
      const refused = await loginBrowser.submit(loginPage, { username: ALICE.username, password });
      expect([refused.status, titleOf(refused)]).toEqual([503, 'Please try again in a moment · Purser']);
    }
    const consent = await consentBrowser.submit(consentForm);
    expect([consent.status, titleOf(consent)]).toEqual([503, 'Please try again in a moment · Purser']);

    // Nothing was written, not even part of something: every key holds what it held.
    expect(await snapshot(admin, PREFIX)).toEqual(before);

    await freeRedis(admin);

    // The same code, refresh token and forms work now: nothing was consumed.
    expect((await redeem()).access_token).toEqual(expect.any(String));
    expect((await oidc.refreshTokenGrant(rp, signedIn.tokens.refresh_token!)).refresh_token).toEqual(expect.any(String));
    const loggedIn = await loginBrowser.submit(loginPage, { username: ALICE.username, password: ALICE.password });
    expect(loggedIn.status).toBe(303);
    const consented = await consentBrowser.follow(await consentBrowser.submit(consentForm), REDIRECT_URI);
    expect(new URL(consented.location!).searchParams.get('code')).toEqual(expect.any(String));
    expect((await tokenRequest('ledger.test', { grant_type: 'client_credentials' })).status).toBe(200);
  });

  it('still lets revocation remove tokens (removal frees memory)', async () => {
    const issued = await tokenRequest('ledger.test', { grant_type: 'client_credentials' });
    const token = issued.body.access_token as string;
    await fillRedis(admin);
    try {
      const revoked = await fetch(`${server.url}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form({ token, client_id: 'ledger.test', client_secret: SECRETS['ledger.test']! }),
      });
      expect(revoked.status).toBe(200);
    } finally {
      await freeRedis(admin);
    }
    const introspected = await fetch(`${server.url}/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ token, client_id: 'ledger.test', client_secret: SECRETS['ledger.test']! }),
    });
    expect(await introspected.json()).toEqual({ active: false });
  });

  it("refuses the controller's catalog writes as StoreUnavailableError, leaving the record as it was", async () => {
    const store = await createRedisStore({ url: redis.url, mode: 'standalone', prefix: 'catalog-full:' });
    try {
      const record = { clientId: 'c.test', owner: 'test/c', metadata: {}, secrets: [], policy: { scopes: [], audiences: [], accessTokenFormat: 'jwt' as const, refreshTokenReuseGracePeriod: 0, requirePkce: true, skipConsent: false, corsOrigins: [] } };
      await store.clients.put(record);
      await fillRedis(admin);
      try {
        const failure = await store.clients.put({ ...record, owner: 'test/other' }).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(StoreUnavailableError);
        expect((failure as StoreUnavailableError).fault).toBe('full');
        expect((await store.clients.get('c.test'))?.owner).toBe('test/c');
      } finally {
        await freeRedis(admin);
      }
    } finally {
      await store.close();
    }
  });
});
