// Relying parties for the tests: openid-client configured against a Purser issuer, plus the browser part of the
// authorization code flow (log in, consent) driven through the real pages.
import * as oidc from 'openid-client';

import { ALICE } from './purser.ts';
import { Browser, type Page } from './browser.ts';

export const REDIRECT_URI = 'http://127.0.0.1:9999/callback';

export const SECRETS: Record<string, string> = {
  'reports.test': 'reports-secret-0123456789abcdefghijklmnop',
  'ledger.test': 'ledger-secret-0123456789abcdefghijklmnopq',
  'webapp.test': 'webapp-secret-0123456789abcdefghijklmnopqr',
  'graceful.test': 'graceful-secret-0123456789abcdefghijklmno',
  'firstparty.test': 'firstparty-secret-0123456789abcdefghijklm',
  'shortlived.test': 'shortlived-secret-0123456789abcdefghijklm',
  'bounded.test': 'bounded-secret-0123456789abcdefghijklmnop',
  'kiosk.test': 'kiosk-secret-0123456789abcdefghijklmnopqrs',
};

/**
 * openid-client for `clientId`, discovering `issuer`. With `via`, every request goes to that server instead of the
 * issuer's address: another replica of the same installation.
 */
export async function relyingParty(issuer: string, clientId: string, options: { via?: string; auth?: oidc.ClientAuth } = {}): Promise<oidc.Configuration> {
  const secret = SECRETS[clientId];
  const auth = options.auth ?? (secret ? oidc.ClientSecretBasic(secret) : oidc.None());
  const config = await oidc.discovery(new URL(issuer), clientId, secret ? { client_secret: secret } : undefined, auth, {
    execute: [oidc.allowInsecureRequests],
  });
  if (options.via) retarget(config, issuer, options.via);
  return config;
}

/** Sends this relying party's requests to another replica from now on. */
export function retarget(config: oidc.Configuration, issuer: string, via: string): void {
  const from = new URL(issuer).origin;
  config[oidc.customFetch] = (url, init) => fetch(url.replace(from, via), init as RequestInit);
}

export interface AuthorizationResult {
  callbackUrl: URL;
  codeVerifier: string;
  state: string;
  nonce: string;
}

/** Runs the browser part: authorization request, login page (if asked), consent page (if shown), redirect back. */
export async function authorize(
  config: oidc.Configuration,
  browser: Browser,
  params: Record<string, string> = {},
  credentials: { username: string; password: string } = ALICE,
): Promise<AuthorizationResult> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  // A loopback client may come back on another port than the fixture's (RFC 8252 §7.3).
  const redirectUri = params.redirect_uri ?? REDIRECT_URI;
  const page = await signIn(browser, url.href, { stopAt: redirectUri, credentials });
  if (!page.location?.startsWith(redirectUri)) throw new Error(`unexpected page ${page.url} (status ${page.status}):\n${page.body.slice(0, 800)}`);
  return { callbackUrl: new URL(page.location), codeVerifier, state, nonce };
}

/**
 * The user's part of any relying party's sign-in, from `url` (an authorization request, or a page of an application
 * that redirects to one): follows redirects, fills the login page, accepts the consent page, until a redirect
 * leaves for `stopAt` (returned, not followed) or, without it, until a page that is neither renders (returned).
 */
export async function signIn(browser: Browser, url: string, options: { stopAt?: string; credentials?: { username: string; password: string } } = {}): Promise<Page> {
  const { username, password } = options.credentials ?? ALICE;
  let page: Page = await browser.get(url);
  for (let step = 0; step < 6; step++) {
    page = await browser.follow(page, options.stopAt);
    if (page.location) return page;
    if (page.body.includes('name="password"')) page = await browser.submit(page, { username, password });
    else if (page.body.includes('/confirm"')) page = await browser.submit(page);
    else return page;
  }
  throw new Error('sign-in did not finish in 6 steps');
}

/** The whole code flow: the browser part, then the code exchanged at the token endpoint by openid-client. */
export async function codeFlow(config: oidc.Configuration, browser = new Browser(), params: Record<string, string> = {}) {
  const result = await authorize(config, browser, params);
  const tokens = await oidc.authorizationCodeGrant(config, result.callbackUrl, {
    pkceCodeVerifier: result.codeVerifier,
    expectedState: result.state,
    expectedNonce: result.nonce,
  });
  return { tokens, browser, ...result };
}

export interface OAuthFailure {
  status: number;
  error?: string;
  error_description?: string;
}

/** The OAuth error an openid-client call failed with, whether it came in the body or a WWW-Authenticate challenge. */
export async function oauthFailure(call: Promise<unknown>): Promise<OAuthFailure> {
  const failure = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (failure instanceof oidc.ResponseBodyError) {
    return { status: failure.status, error: failure.error, error_description: failure.error_description };
  }
  if (failure instanceof oidc.WWWAuthenticateChallengeError) {
    const [challenge] = failure.cause;
    return { status: failure.status, error: challenge?.parameters.error, error_description: challenge?.parameters.error_description };
  }
  // openid-client reads error bodies of 4xx answers only; a 503 temporarily_unavailable comes as the raw response.
  const response = (failure as { cause?: unknown } | undefined)?.cause;
  if (response instanceof Response && response.status >= 500) {
    const { error, error_description } = (await response.json()) as { error?: string; error_description?: string };
    return { status: response.status, error, error_description };
  }
  throw new Error(`expected an OAuth error response, got ${failure === undefined ? 'success' : String(failure)}`);
}
