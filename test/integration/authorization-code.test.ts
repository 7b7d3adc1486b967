// The authorization code flow through the real login and consent pages, with openid-client as the relying party.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { ALICE } from '../support/purser.ts';
import { authorize, codeFlow, oauthFailure, REDIRECT_URI, relyingParty } from '../support/rp.ts';
import { usePurser } from './server-context.ts';

const context = usePurser('authorization-code');
const rpFor = (clientId: string) => relyingParty(context.server.issuer, clientId);

describe('authorization code + PKCE', () => {
  it('logs in, asks consent, and returns an RS256 id_token with the user claims', async () => {
    const rp = await rpFor('webapp.test');
    const { tokens, nonce } = await codeFlow(rp, new Browser(), { scope: 'openid profile email groups' });
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: context.server.issuer,
      aud: 'webapp.test',
      sub: ALICE.username,
      nonce,
      name: ALICE.name,
      preferred_username: ALICE.username,
      email: ALICE.email,
      email_verified: true,
      groups: ALICE.groups,
    });
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('serves the standard claims at userinfo for the granted scopes only', async () => {
    const rp = await rpFor('webapp.test');
    const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid email' });
    const userinfo = await oidc.fetchUserInfo(rp, tokens.access_token, ALICE.username);
    expect(userinfo).toEqual({ sub: ALICE.username, email: ALICE.email, email_verified: true });
  });

  it('issues a JWT access token for the client audience with the granted API scope', async () => {
    const rp = await rpFor('webapp.test');
    const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid reports:read' });
    const jwks = createRemoteJWKSet(new URL(rp.serverMetadata().jwks_uri!));
    const { payload } = await jwtVerify(tokens.access_token, jwks, { audience: 'https://reports.test', typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: ALICE.username, client_id: 'webapp.test', scope: 'reports:read' });
  });

  it('remembers consent per grant: the second authorization shows no consent page', async () => {
    const rp = await rpFor('webapp.test');
    const browser = new Browser();
    await codeFlow(rp, browser, { scope: 'openid profile' });
    const pages: string[] = [];
    const original = browser.submit.bind(browser);
    browser.submit = async (page, fields, via) => {
      pages.push(page.body);
      return original(page, fields, via);
    };
    const { tokens } = await codeFlow(rp, browser, { scope: 'openid profile' });
    expect(pages).toEqual([]);
    expect(tokens.claims()?.sub).toBe(ALICE.username);
  });

  it('skips the consent page for a first-party client, and lets it opt out of PKCE', async () => {
    const rp = await rpFor('firstparty.test');
    const browser = new Browser();
    const seen: string[] = [];
    const original = browser.submit.bind(browser);
    browser.submit = async (page, fields, via) => {
      seen.push(page.body.includes('name="password"') ? 'login' : 'consent');
      return original(page, fields, via);
    };
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT_URI, scope: 'openid profile', state });
    let page = await browser.follow(await browser.get(url.href), REDIRECT_URI);
    page = await browser.follow(await browser.submit(page, { username: ALICE.username, password: ALICE.password }), REDIRECT_URI);
    const tokens = await oidc.authorizationCodeGrant(rp, new URL(page.location!), { expectedState: state });
    expect(seen).toEqual(['login']);
    expect(tokens.claims()?.sub).toBe(ALICE.username);
  });

  it('works for a public client with PKCE and no secret', async () => {
    const rp = await rpFor('cli.test');
    const { tokens } = await codeFlow(rp, new Browser(), { scope: 'openid offline_access', prompt: 'consent' });
    expect(tokens.claims()?.sub).toBe(ALICE.username);
    expect(tokens.refresh_token).toEqual(expect.any(String));
  });

  it('serves a native app whose redirect URI uses a private-use scheme', async () => {
    const rp = await rpFor('mobile.test');
    const url = oidc.buildAuthorizationUrl(rp, { redirect_uri: 'com.example.mobile:/oauth2redirect', scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    const browser = new Browser();
    const page = await browser.follow(await browser.get(url.href), 'com.example.mobile:');
    expect(page.status).toBe(200);
    expect(page.body).toContain('name="password"');
  });

  it('requires PKCE unless the client opted out', async () => {
    const rp = await rpFor('webapp.test');
    const url = oidc.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 'abc' });
    const page = await new Browser().get(url.href);
    const location = new URL(page.location!);
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: 'invalid_request', error_description: 'Authorization Server policy requires PKCE to be used for this request', state: 'abc' });
  });

  it('refuses a scope outside the allow-list at the authorization endpoint', async () => {
    const rp = await rpFor('webapp.test');
    const page = await new Browser().get(oidc.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT_URI, scope: 'openid admin', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).href);
    const params = new URL(page.location!).searchParams;
    expect(params.get('error')).toBe('invalid_scope');
    expect(params.get('error_description')).toMatch(/not allowed for this client: admin/);
  });

  it('rejects a wrong code_verifier and a replayed code', async () => {
    const rp = await rpFor('webapp.test');
    const result = await authorize(rp, new Browser(), { scope: 'openid' });
    const wrong = await oauthFailure(oidc.authorizationCodeGrant(rp, result.callbackUrl, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: result.state, expectedNonce: result.nonce }));
    expect(wrong).toMatchObject({ error: 'invalid_grant', error_description: 'code_verifier does not match code_challenge' });

    const second = await authorize(rp, new Browser(), { scope: 'openid' });
    const checks = { pkceCodeVerifier: second.codeVerifier, expectedState: second.state, expectedNonce: second.nonce };
    const tokens = await oidc.authorizationCodeGrant(rp, second.callbackUrl, checks);
    const replay = await oauthFailure(oidc.authorizationCodeGrant(rp, second.callbackUrl, checks));
    expect(replay.error).toBe('invalid_grant');
    expect(replay.error_description).toMatch(/authorization code was already used/);
    // A replayed code revokes what was issued with it.
    expect((await oidc.tokenIntrospection(rp, tokens.access_token)).active).toBe(false);
  });

  it('lets the user deny consent', async () => {
    const rp = await rpFor('webapp.test');
    const browser = new Browser();
    const url = oidc.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT_URI, scope: 'openid email', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    let page = await browser.follow(await browser.get(url.href), REDIRECT_URI);
    page = await browser.follow(await browser.submit(page, { username: ALICE.username, password: ALICE.password }), REDIRECT_URI);
    page = await browser.follow(await browser.submit(page, {}, '/abort'), REDIRECT_URI);
    expect(new URL(page.location!).searchParams.get('error')).toBe('access_denied');
  });
});

describe('logout', () => {
  it('asks for confirmation and returns to the post_logout_redirect_uri', async () => {
    const rp = await rpFor('webapp.test');
    const { tokens, browser } = await codeFlow(rp, new Browser(), { scope: 'openid' });
    const url = oidc.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9999/logged-out', state: 'bye' });
    const confirmation = await browser.get(url.href);
    expect(confirmation.status).toBe(200);
    expect(confirmation.body).toMatch(/sign out/i);
    const done = await browser.follow(await browser.submit(confirmation, { logout: 'yes' }), 'http://127.0.0.1:9999/logged-out');
    expect(done.location).toBe('http://127.0.0.1:9999/logged-out?state=bye');

    // The session is gone: the next authorization asks for the password again.
    const again = await browser.follow(await browser.get(oidc.buildAuthorizationUrl(rp, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).href), REDIRECT_URI);
    expect(again.body).toContain('name="password"');
  });
});
