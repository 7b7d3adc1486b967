// A user removed from the users file while signed in (or a session on a replica whose users file is older): every
// place that turns the session's or a token's account id into an account answers cleanly, never 500. The session
// counts as signed out (the sign-in page, or login_required for prompt=none); the user's codes and tokens are
// invalid_grant / invalid_token with Purser's descriptions. A replica with an older users file asks for a sign-in
// without ending the session the other replicas still serve. (Token exchange of such a user's token:
// token-exchange.test.ts, EXCHANGE_SUBJECT_USER_GONE.)
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { hashPassword } from '../../src/server/accounts/users.ts';
import { ACCESS_TOKEN_USER_GONE, GRANT_USER_GONE, SESSION_ACCOUNT_UNKNOWN } from '../../src/server/errors/descriptions.ts';
import { writeAtomically } from '../support/atomic-dir.ts';
import { Browser, type Page } from '../support/browser.ts';
import { approve, deviceClient, enterCode, poll, QUICK_POLLING } from '../support/device.ts';
import { waitFor } from '../support/kube.ts';
import { ALICE, startPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { uniquePrefix } from '../support/redis.ts';
import { REDIRECT_URI, oauthFailure, relyingParty } from '../support/rp.ts';

const BOB = { username: 'bob', password: 'bob has a long enough password' };
const VERIFIER = oidc.randomPKCECodeVerifier();

let server: TestServer;
let dir: string;
let aliceEntry: string;
let webapp: oidc.Configuration;

const usersFile = (...entries: string[]) => ({ 'users.yaml': `users:\n${entries.map((entry) => `  - ${entry}\n`).join('')}` });
const isLoginPage = (page: Page) => page.status === 200 && page.body.includes('name="password"');
const isConsentPage = (page: Page) => page.status === 200 && page.body.includes('/confirm"');

/** An authorization request of webapp.test (PKCE with VERIFIER), asking for consent each time unless told otherwise. */
async function authorizationUrl(params: Record<string, string> = {}, config = webapp): Promise<string> {
  return oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access',
    prompt: 'consent',
    code_challenge: await oidc.calculatePKCECodeChallenge(VERIFIER),
    code_challenge_method: 'S256',
    ...params,
  }).href;
}

/** Follows `url` in `browser` until a page renders or a redirect leaves for the client. */
async function visit(browser: Browser, url: string): Promise<Page> {
  return browser.follow(await browser.get(url), REDIRECT_URI);
}

/** Signs `user` (bob) in in a new browser and leaves it at the consent page of a second authorization. */
async function bobAtConsent(params: Record<string, string> = {}, user: { username: string; password: string } = BOB): Promise<{ browser: Browser; consent: Page }> {
  const browser = new Browser();
  const login = await visit(browser, await authorizationUrl(params));
  const consent = await browser.follow(await browser.submit(login, user), REDIRECT_URI);
  if (!isConsentPage(consent)) throw new Error(`expected the consent page, got ${consent.status}`);
  return { browser, consent };
}

/** Bob (or `user`) signs in and consents; returns the code (not redeemed) and the browser, signed in as them. */
async function bobCode(params: Record<string, string> = {}, user: { username: string; password: string } = BOB): Promise<{ browser: Browser; code: URL }> {
  const { browser, consent } = await bobAtConsent(params, user);
  const back = await browser.follow(await browser.submit(consent), REDIRECT_URI);
  if (!back.location?.startsWith(REDIRECT_URI)) throw new Error(`expected the redirect back, got ${back.status}`);
  return { browser, code: new URL(back.location) };
}

const redeem = (code: URL, config = webapp) => oidc.authorizationCodeGrant(config, code, { pkceCodeVerifier: VERIFIER, idTokenExpected: true });
const userinfo = (accessToken: string) => fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } });

// Everything bob holds when he is removed: tokens, a code not yet redeemed, sessions at several steps.
let tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
/** A JWT access token for https://reports.test (its scope reports:read), under a grant that outlives the removal. */
let jwtAccessToken: string;
let unredeemed: URL;
let signedIn: Browser;
let atConsent: { browser: Browser; consent: Page };
let reloadingConsent: { browser: Browser; consent: Page };
let loggingOut: Browser;
let rpLoggingOut: { browser: Browser; idToken: string };
let deviceApproved: { device_code: string };
let deviceSession: Browser;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'purser-unknown-account-'));
  const { password: _alicePassword, ...alice } = ALICE;
  aliceEntry = JSON.stringify({ ...alice, passwordHash: await hashPassword(ALICE.password) });
  const bobEntry = JSON.stringify({ username: BOB.username, passwordHash: await hashPassword(BOB.password) });
  await writeAtomically(dir, usersFile(aliceEntry, bobEntry));
  const fixtures = { ...(await writeFixtures()), usersFile: join(dir, 'users.yaml') };
  server = await startPurser({ redisUrl: inject('redisUrl'), prefix: uniquePrefix('unknown-account'), fixtures, flags: ['--keys-reload-interval=1s', ...QUICK_POLLING] });
  webapp = await relyingParty(server.issuer, 'webapp.test');

  const first = await bobCode();
  tokens = await redeem(first.code);
  jwtAccessToken = (await redeem((await bobCode({ scope: 'openid offline_access reports:read' })).code)).access_token;
  unredeemed = (await bobCode()).code;
  signedIn = (await bobCode()).browser;
  loggingOut = (await bobCode()).browser;
  const hinted = await bobCode();
  rpLoggingOut = { browser: hinted.browser, idToken: (await redeem(hinted.code)).id_token! };
  deviceSession = (await bobCode()).browser;
  atConsent = await bobAtConsent();
  reloadingConsent = await bobAtConsent();
  const device = await deviceClient(server);
  const started = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
  const done = await approve(new Browser(), started.verification_uri, started.user_code, BOB);
  if (!done.body.includes('Your device is connected')) throw new Error(`device approval failed: ${done.status}`);
  deviceApproved = started;

  await writeAtomically(dir, usersFile(aliceEntry));
  // The users file is read again every second: bob is gone once his access token stops working.
  await waitFor('bob removed', async () => (await userinfo(tokens.access_token)).status !== 200, 8_000, 200);
}, 60_000);

afterAll(async () => server?.close());

describe('a browser signed in as a user who was removed', () => {
  it('OIDC Core §3.1.2.6: prompt=none gets login_required with a description, back at the redirect_uri', async () => {
    const back = await visit(signedIn, await authorizationUrl({ prompt: 'none' }));
    const callback = new URL(back.location!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.get('error_description')).toBe(SESSION_ACCOUNT_UNKNOWN);
  });

  it('is shown the sign-in page at a new authorization, and can sign in as another user', async () => {
    const login = await visit(signedIn, await authorizationUrl());
    expect(isLoginPage(login)).toBe(true);
    // Signing in as someone else ends the old session first (oidc-provider posts the logout confirmation itself).
    let page = await signedIn.follow(await signedIn.submit(login, { username: ALICE.username, password: ALICE.password }), REDIRECT_URI);
    if (page.body.includes('/session/end/confirm')) page = await signedIn.follow(await signedIn.submit(page), REDIRECT_URI);
    expect(isConsentPage(page)).toBe(true);
    const back = await signedIn.follow(await signedIn.submit(page), REDIRECT_URI);
    const aliceTokens = await redeem(new URL(back.location!));
    expect(aliceTokens.claims()?.sub).toBe('alice');
  });

  it('pressing Allow on a consent page shown before the removal gets the sign-in page', async () => {
    const after = await atConsent.browser.follow(await atConsent.browser.submit(atConsent.consent), REDIRECT_URI);
    expect(after.status).toBe(200);
    expect(isLoginPage(after)).toBe(true);
  });

  it('reloading a consent page shown before the removal gets the sign-in page', async () => {
    const after = await visit(reloadingConsent.browser, reloadingConsent.consent.url);
    expect(isLoginPage(after)).toBe(true);
  });

  it('RFC 8628 §3.3: confirming a device code is asked to sign in', async () => {
    const device = await deviceClient(server);
    const started = await oidc.initiateDeviceAuthorization(device, { scope: 'openid' });
    const confirm = await enterCode(deviceSession, started.verification_uri, started.user_code);
    const after = await deviceSession.follow(await deviceSession.submit(confirm, { confirm: 'yes' }));
    expect(isLoginPage(after)).toBe(true);
  });

  it('can sign out: the logout page and its confirmation', async () => {
    const ask = await loggingOut.get(`${server.url}/session/end`);
    expect(ask.status).toBe(200);
    const done = await loggingOut.follow(await loggingOut.submit(ask, { logout: 'yes' }));
    expect(done.status).toBe(200);
    expect(done.body).toContain('You are signed out');
    // Signed out indeed: a new authorization asks for a sign-in.
    expect(isLoginPage(await visit(loggingOut, await authorizationUrl()))).toBe(true);
  });

  it('RP-Initiated Logout §2: the client signs them out with their id_token as id_token_hint, back to its post_logout_redirect_uri', async () => {
    const { browser, idToken } = rpLoggingOut;
    const loggedOut = 'http://127.0.0.1:9999/logged-out';
    const ask = await browser.get(`${server.url}/session/end?${new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: loggedOut, state: 'bye' })}`);
    expect(ask.status).toBe(200);
    const back = await browser.follow(await browser.submit(ask, { logout: 'yes' }), loggedOut);
    expect(back.location).toBe(`${loggedOut}?state=bye`);
  });
});

describe("a removed user's codes and tokens", () => {
  it('RFC 6750 §3.1: userinfo answers invalid_token with the description', async () => {
    const response = await userinfo(tokens.access_token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain(`error="invalid_token", error_description="${ACCESS_TOKEN_USER_GONE}"`);
    expect(await response.json()).toEqual({ error: 'invalid_token', error_description: ACCESS_TOKEN_USER_GONE });
  });

  it('RFC 6749 §5.2: a refresh is invalid_grant', async () => {
    expect(await oauthFailure(oidc.refreshTokenGrant(webapp, tokens.refresh_token!))).toEqual({ status: 400, error: 'invalid_grant', error_description: GRANT_USER_GONE });
  });

  it('RFC 6749 §5.2: redeeming a code issued before the removal is invalid_grant', async () => {
    expect(await oauthFailure(redeem(unredeemed))).toEqual({ status: 400, error: 'invalid_grant', error_description: GRANT_USER_GONE });
  });

  it('RFC 8628 §3.5: the device polling for a code the user approved before the removal gets invalid_grant', async () => {
    expect(await poll(server.url, deviceApproved.device_code)).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: GRANT_USER_GONE } });
  });

  it('RFC 7662 §2.2: introspection answers exactly {"active": false} for his opaque access token, refresh token and JWT access token, as for any token the server would not accept', async () => {
    expect(decodeJwt(jwtAccessToken)).toMatchObject({ sub: 'bob', aud: 'https://reports.test' });
    for (const token of [tokens.access_token, tokens.refresh_token!, jwtAccessToken]) {
      expect(await oidc.tokenIntrospection(webapp, token)).toEqual({ active: false });
    }
    // Another user's tokens, of the same client and kinds, stay active.
    const alice = await redeem((await bobCode({ scope: 'openid offline_access reports:read' }, ALICE)).code);
    expect(await oidc.tokenIntrospection(webapp, alice.access_token)).toMatchObject({ active: true, sub: 'alice', aud: 'https://reports.test' });
    expect(await oidc.tokenIntrospection(webapp, alice.refresh_token!)).toMatchObject({ active: true, sub: 'alice' });
  });
});

describe('a replica whose users file is older (one installation, one Redis, two users files)', () => {
  let knowing: TestServer;
  let older: TestServer;
  /** The replica the browser's requests go to; the issuer (and so the cookies) is the same for both. */
  let via: TestServer;
  const browser = new Browser({ fetch: (input, init) => fetch(String(input).replace(knowing.issuer, via.url), init) });

  beforeAll(async () => {
    const olderDir = await mkdtemp(join(tmpdir(), 'purser-older-users-'));
    await writeAtomically(olderDir, usersFile(aliceEntry));
    const fixtures = await writeFixtures();
    const bobDir = await mkdtemp(join(tmpdir(), 'purser-newer-users-'));
    const bobEntry = JSON.stringify({ username: BOB.username, passwordHash: await hashPassword(BOB.password) });
    await writeAtomically(bobDir, usersFile(aliceEntry, bobEntry));
    const prefix = uniquePrefix('older-replica');
    knowing = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: { ...fixtures, usersFile: join(bobDir, 'users.yaml') } });
    older = await startPurser({ redisUrl: inject('redisUrl'), prefix, fixtures: { ...fixtures, usersFile: join(olderDir, 'users.yaml') }, issuer: knowing.issuer });
  }, 60_000);

  afterAll(async () => {
    await older?.close();
    await knowing?.close();
  });

  it('asks bob, signed in on a replica that knows him, to sign in again there, and keeps his session for the one that does', async () => {
    const rp = await relyingParty(knowing.issuer, 'webapp.test');
    via = knowing;
    const login = await visit(browser, await authorizationUrl({ scope: 'openid' }, rp));
    const consent = await browser.follow(await browser.submit(login, BOB), REDIRECT_URI);
    expect((await browser.follow(await browser.submit(consent), REDIRECT_URI)).location).toContain('code=');

    via = older;
    expect(isLoginPage(await visit(browser, await authorizationUrl({ scope: 'openid' }, rp)))).toBe(true);
    expect(new URL((await visit(browser, await authorizationUrl({ scope: 'openid', prompt: 'none' }, rp))).location!).searchParams.get('error_description')).toBe(SESSION_ACCOUNT_UNKNOWN);

    via = knowing;
    const silent = new URL((await visit(browser, await authorizationUrl({ scope: 'openid', prompt: 'none' }, rp))).location!);
    expect(silent.searchParams.get('error')).toBeNull();
    expect((await redeem(silent, rp)).claims()?.sub).toBe('bob');
  });
});
