// Initial refresh tokens from Purser the way a web app gets them: real authorization-code flows with PKCE.
// One login (alice), then one /auth request per chain with prompt=consent (oidc-provider issues offline_access
// only after a consent prompt; the bench client's skipConsent grants it), each code redeemed at /token.
import { createHash, randomBytes } from 'node:crypto';

import { Browser } from '../../test/support/browser.ts';
import { ALICE } from '../../test/support/purser.ts';
import { basicAuth, WEBAPP } from './bench-clients.ts';

async function authorizationCode(browser: Browser, issuer: string, login: boolean): Promise<{ code: string; verifier: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('base64url');
  const auth = new URL('/auth', issuer);
  auth.search = new URLSearchParams({
    client_id: WEBAPP.clientId,
    response_type: 'code',
    redirect_uri: WEBAPP.redirectUri,
    scope: WEBAPP.scope,
    prompt: 'consent',
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  let page = await browser.follow(await browser.get(auth.href), WEBAPP.redirectUri);
  if (login && !page.location?.startsWith(WEBAPP.redirectUri)) {
    page = await browser.follow(await browser.submit(page, { username: ALICE.username, password: ALICE.password }), WEBAPP.redirectUri);
  }
  const callback = page.location?.startsWith(WEBAPP.redirectUri) ? new URL(page.location) : undefined;
  const code = callback?.searchParams.get('code');
  if (!code || callback?.searchParams.get('state') !== state) {
    throw new Error(`no authorization code from ${issuer} (status ${page.status}, location ${page.location}):\n${page.body.slice(0, 500)}`);
  }
  return { code, verifier };
}

async function redeem(issuer: string, code: string, verifier: string): Promise<string> {
  const response = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: { authorization: basicAuth(WEBAPP), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: WEBAPP.redirectUri, code_verifier: verifier }),
  });
  const body = (await response.json()) as { refresh_token?: string };
  if (!response.ok || !body.refresh_token) throw new Error(`code redemption failed (${response.status}): ${JSON.stringify(body)}`);
  return body.refresh_token;
}

export async function purserRefreshTokens(issuer: string, count: number): Promise<string[]> {
  const browser = new Browser();
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const { code, verifier } = await authorizationCode(browser, issuer, i === 0);
    tokens.push(await redeem(issuer, code, verifier));
  }
  return tokens;
}
