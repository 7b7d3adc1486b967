// The endpoints OpenID Connect says MUST take POST as well as GET, driven end to end with form posts as a relying
// party's auto-submitting page sends them.
import * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';

import { Browser, type Page } from '../support/browser.ts';
import { ALICE } from '../support/purser.ts';
import { REDIRECT_URI, relyingParty } from '../support/rp.ts';
import { usePurser } from './server-context.ts';
import { describe as fill, FORM_POST_MEDIA_TYPE, FORM_POST_TOO_LARGE } from '../../src/server/errors/descriptions.ts';
import { MAX_QUERY_BYTES } from '../../src/server/form-post-redirect.ts';

const context = usePurser('form-post');
const escape = (value: string) => value.replaceAll('&', '&amp;').replaceAll('"', '&quot;');

/** The relying party's page: a form that POSTs `params` to `action`, as an auto-submitting page does. */
function formPage(action: string, params: [string, string][]): Page {
  const inputs = params.map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`).join('');
  return { url: 'http://127.0.0.1:9999/start', status: 200, body: `<form method="post" action="${escape(action)}">${inputs}</form>` };
}

/** Follows the browser from a POSTed authorization request through login and consent back to the redirect URI. */
async function signInFrom(browser: Browser, posted: Page): Promise<URL> {
  let page = posted;
  for (let step = 0; step < 6; step++) {
    page = await browser.follow(page, REDIRECT_URI);
    if (page.location?.startsWith(REDIRECT_URI)) return new URL(page.location);
    if (page.body.includes('name="password"')) page = await browser.submit(page, { username: ALICE.username, password: ALICE.password });
    else if (page.body.includes('/confirm"')) page = await browser.submit(page);
    else throw new Error(`unexpected page ${page.url} (status ${page.status}):\n${page.body.slice(0, 800)}`);
  }
  throw new Error('authorization did not finish in 6 steps');
}

async function authorizationRequest(rp: oidc.Configuration) {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const params: [string, string][] = [
    ['client_id', rp.clientMetadata().client_id],
    ['response_type', 'code'],
    ['redirect_uri', REDIRECT_URI],
    ['scope', 'openid profile reports:read'],
    ['code_challenge', await oidc.calculatePKCECodeChallenge(codeVerifier)],
    ['code_challenge_method', 'S256'],
    ['state', `${state} & more+"`],
    ['nonce', nonce],
    ['resource', 'https://reports.test'],
  ];
  return { params, codeVerifier, state: `${state} & more+"`, nonce };
}

describe('POST where OpenID Connect requires it', () => {
  it('OIDC Core §3.1.2.1: a form POST to the authorization endpoint goes through login and consent to a code', async () => {
    const rp = await relyingParty(context.server.issuer, 'webapp.test');
    const browser = new Browser();
    const request = await authorizationRequest(rp);
    const posted = await browser.submit(formPage(`${context.server.issuer}/auth`, request.params));
    expect(posted.status).toBe(303);
    // Every parameter, in order, made it to the GET the browser follows.
    expect([...new URL(posted.location!, context.server.issuer).searchParams]).toEqual(request.params);
    const callbackUrl = await signInFrom(browser, posted);
    const tokens = await oidc.authorizationCodeGrant(rp, callbackUrl, { pkceCodeVerifier: request.codeVerifier, expectedState: request.state, expectedNonce: request.nonce });
    expect(tokens.claims()).toMatchObject({ sub: ALICE.username, nonce: request.nonce, name: ALICE.name });

    // The 303 lets the browser bring its (SameSite=Lax) session cookie: a second POST signs in without a password.
    const again = await authorizationRequest(rp);
    const second = await browser.submit(formPage(`${context.server.issuer}/auth`, again.params));
    const pages: string[] = [];
    const submit = browser.submit.bind(browser);
    browser.submit = async (page, fields, via) => (pages.push(page.body), submit(page, fields, via));
    expect((await signInFrom(browser, second)).searchParams.get('code')).toEqual(expect.any(String));
    expect(pages.join('\n')).not.toContain('name="password"');
  });

  it('keeps the cookie posture: session cookies stay SameSite=Lax', async () => {
    const rp = await relyingParty(context.server.issuer, 'webapp.test');
    const { params } = await authorizationRequest(rp);
    const response = await fetch(`${context.server.issuer}/auth?${new URLSearchParams(params)}`, { redirect: 'manual' });
    const cookies = response.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie.toLowerCase()).toContain('samesite=lax');
  });

  it('RP-Initiated Logout 1.0 §2: a form POST to the end_session endpoint logs out and returns to the post_logout_redirect_uri', async () => {
    const rp = await relyingParty(context.server.issuer, 'webapp.test');
    const browser = new Browser();
    const request = await authorizationRequest(rp);
    const callbackUrl = await signInFrom(browser, await browser.submit(formPage(`${context.server.issuer}/auth`, request.params)));
    const tokens = await oidc.authorizationCodeGrant(rp, callbackUrl, { pkceCodeVerifier: request.codeVerifier, expectedState: request.state, expectedNonce: request.nonce });
    const loggedOut = 'http://127.0.0.1:9999/logged-out';
    const posted = await browser.submit(formPage(`${context.server.issuer}/session/end`, [['id_token_hint', tokens.id_token!], ['post_logout_redirect_uri', loggedOut], ['state', 'bye']]));
    expect(posted.status).toBe(303);
    const confirmation = await browser.follow(posted, loggedOut);
    expect(confirmation.body).toMatch(/sign out/i);
    const done = await browser.follow(await browser.submit(confirmation, { logout: 'yes' }), loggedOut);
    expect(done.location).toBe(`${loggedOut}?state=bye`);
  });

  it('OIDC Core §5.3.1: userinfo takes GET and POST, with the token in the header or (RFC 6750 §2.2) the form body', async () => {
    const rp = await relyingParty(context.server.issuer, 'webapp.test');
    const browser = new Browser();
    const request = await authorizationRequest(rp);
    request.params[3] = ['scope', 'openid profile'];
    request.params.pop();
    const callbackUrl = await signInFrom(browser, await browser.submit(formPage(`${context.server.issuer}/auth`, request.params)));
    const { access_token } = await oidc.authorizationCodeGrant(rp, callbackUrl, { pkceCodeVerifier: request.codeVerifier, expectedState: request.state, expectedNonce: request.nonce });
    const bearer = { authorization: `Bearer ${access_token}` };
    const answers = await Promise.all([
      fetch(`${context.server.issuer}/me`, { headers: bearer }),
      fetch(`${context.server.issuer}/me`, { method: 'POST', headers: bearer }),
      fetch(`${context.server.issuer}/me`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ access_token }) }),
    ]);
    for (const answer of answers) expect(await answer.json()).toMatchObject({ sub: ALICE.username, name: ALICE.name });
  });

  it('RFC 9126 §2: the pushed_authorization_request_endpoint discovery advertises takes a request a browser then follows', async () => {
    const rp = await relyingParty(context.server.issuer, 'webapp.test');
    const verifier = oidc.randomPKCECodeVerifier();
    const url = await oidc.buildAuthorizationUrlWithPAR(rp, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const page = await new Browser().get(url.href);
    expect(page.status).toBe(303);
    expect(page.location).toMatch(/^\/interaction\//);
  });

  it('refuses a POST body that is not a form, and one too large to redirect with, without a 5xx', async () => {
    const json = await fetch(`${context.server.issuer}/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    expect(await json.json()).toEqual({ error: 'invalid_request', error_description: FORM_POST_MEDIA_TYPE });
    // An empty POST is a request without parameters, answered by the GET endpoint as such.
    const empty = await fetch(`${context.server.issuer}/session/end`, { method: 'POST', redirect: 'manual' });
    expect([empty.status, empty.headers.get('location')]).toEqual([303, '/session/end']);
    const huge = await fetch(`${context.server.issuer}/auth`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `client_id=webapp.test&state=${'x'.repeat(20_000)}` });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toEqual({ error: 'invalid_request', error_description: fill(FORM_POST_TOO_LARGE, MAX_QUERY_BYTES) });
  });
});
