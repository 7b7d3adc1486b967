// OpenID Connect Back-Channel Logout 1.0 and what logout ends, end to end: openid-client signs in through the real
// pages of one replica and logs out there (RP-Initiated Logout); a real HTTP server on 127.0.0.1 receives the logout
// tokens; two server processes share one Redis, so either may deliver.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { REFRESH_TOKEN_NOT_RECOGNISED } from '../../src/server/errors/descriptions.ts';
import { BACKCHANNEL_LOGOUT_EVENT } from '../../src/server/logout/logout-token.ts';
import { Browser, type Page } from '../support/browser.ts';
import { LogoutReceiver } from '../support/logout-receiver.ts';
import { ALICE, freePort, spawnPurser, writeFixtures, type TestServer } from '../support/purser.ts';
import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from '../support/redis.ts';
import { codeFlow, oauthFailure, relyingParty } from '../support/rp.ts';

const NAMESPACE = 'bcl';
const secretOf = (name: string) => `${name}-secret-0123456789abcdefghijklmnopqrstuvwxyz`;

/** An OAuthClient (with its Secret) as dev mode reads it from a file. */
function client(name: string, spec: Record<string, unknown>): string {
  const resource = { apiVersion: 'purser.dev/v1alpha1', kind: 'OAuthClient', metadata: { name, namespace: NAMESPACE }, spec: { redirectUris: ['http://127.0.0.1:9999/callback'], postLogoutRedirectUris: ['http://127.0.0.1:9999/logged-out'], secretName: `${name}-secret`, ...spec } };
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-secret`, namespace: NAMESPACE }, stringData: { client_secret: secretOf(name) } };
  return `${JSON.stringify(resource)}\n---\n${JSON.stringify(secret)}\n---\n`;
}

const NOTES = 'https://notes.bcl.test';
const OFFLINE = { grantTypes: ['authorization_code', 'refresh_token'], scopes: ['openid', 'offline_access'] };
const JWT_OFFLINE = { ...OFFLINE, scopes: ['openid', 'offline_access', 'notes:read'], audiences: [NOTES], accessToken: { format: 'jwt' } };

const receiver = new LogoutReceiver();
const prefix = uniquePrefix('backchannel-logout');
let handling: TestServer & { child: import('node:child_process').ChildProcess };
let other: TestServer & { output(): string };

beforeAll(async () => {
  await receiver.start();
  const clientsDir = await mkdtemp(join(tmpdir(), 'purser-bcl-'));
  await writeFile(
    join(clientsDir, 'clients.yaml'),
    client('web', { backchannelLogoutUri: receiver.uri('/bc/web'), backchannelLogoutSessionRequired: true }) +
      client('slow', { backchannelLogoutUri: receiver.uri('/bc/slow') }) +
      client('retry', { backchannelLogoutUri: receiver.uri('/bc/retry') }) +
      client('keep', OFFLINE) +
      client('revoke', { ...OFFLINE, logout: { revokeOfflineAccess: true } }) +
      client('online', { grantTypes: ['authorization_code'], scopes: ['openid'] }) +
      client('jwt', { ...JWT_OFFLINE, logout: { revokeOfflineAccess: true } }) +
      client('jwt-keep', JWT_OFFLINE) +
      client('jwt-online', { grantTypes: ['authorization_code'], scopes: ['openid', 'notes:read'], audiences: [NOTES], accessToken: { format: 'jwt' } }) +
      JSON.stringify({ apiVersion: 'purser.dev/v1alpha1', kind: 'OAuthAPI', metadata: { name: 'notes', namespace: NAMESPACE }, spec: { audience: NOTES, scopes: [{ name: 'notes:read', description: 'Read your notes' }], access: [{ clients: ['jwt', 'jwt-keep', 'jwt-online'].map((name) => ({ namespace: NAMESPACE, name })), scopes: ['notes:read'], flows: ['userDelegated'] }] } }),
  );
  const fixtures = await writeFixtures();
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  // The receiver is on 127.0.0.1, which production mode refuses (see the last test); short timeouts and delays, so
  // that a retry comes within seconds (the defaults are 5 s and 5 s, doubling).
  const flags = ['--backchannel-logout-allow-loopback', '--backchannel-logout-timeout=1s', '--backchannel-logout-retry-delay=1s', '--backchannel-logout-attempts=5'];
  const options = { redisUrl: inject('redisUrl'), prefix, fixtures, clientsDir, issuer, flags };
  [handling, other] = await Promise.all([spawnPurser({ ...options, port }), spawnPurser(options)]);
});

afterAll(async () => {
  await Promise.all([handling?.close(), other?.close(), receiver.close()]);
  const redis = connectTestRedis();
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

const rpFor = (name: string) => relyingParty(handling.issuer, `${name}.${NAMESPACE}`, { auth: oidc.ClientSecretBasic(secretOf(name)) });

/** RP-Initiated Logout 1.0 §2-3 in the browser: the end-session request, then "Yes, sign me out"; the 303 it answers. */
async function logout(rp: oidc.Configuration, browser: Browser, idToken: string): Promise<Page> {
  const url = oidc.buildEndSessionUrl(rp, { id_token_hint: idToken, post_logout_redirect_uri: 'http://127.0.0.1:9999/logged-out', state: 'bye' });
  const confirmation = await browser.get(url.href);
  expect(confirmation.status).toBe(200);
  return browser.submit(confirmation, { logout: 'yes' });
}

describe('Back-Channel Logout 1.0', () => {
  it('§2.1: discovery says back-channel logout, with sid, is supported', async () => {
    const rp = await rpFor('web');
    expect(rp.serverMetadata()).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true });
  });

  it('§2.4-2.6: RP-initiated logout sends the client a logout token that verifies against the JWKS, with the claims §2.4 requires and no nonce', async () => {
    const rp = await rpFor('web');
    const { tokens, browser } = await codeFlow(rp, new Browser());
    const idToken = tokens.claims()!;
    const redirect = await logout(rp, browser, tokens.id_token!);
    expect(redirect.status).toBe(303);
    expect(redirect.location).toBe('http://127.0.0.1:9999/logged-out?state=bye');

    const received = await receiver.delivered('/bc/web');
    // §2.5: POSTed as a form with one logout_token parameter.
    expect(received.contentType).toBe('application/x-www-form-urlencoded');
    // §2.6 steps 1-4: a signed JWT, from the issuer, for this client, verified with the keys of jwks_uri.
    const jwks = createRemoteJWKSet(new URL(rp.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(received.token!, jwks, { issuer: handling.issuer, audience: 'web.bcl', typ: 'logout+jwt', algorithms: ['RS256'] });
    expect(protectedHeader.typ).toBe('logout+jwt');
    expect(payload).toMatchObject({ sub: ALICE.username, sid: idToken.sid, events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } });
    expect(typeof idToken.sid).toBe('string');
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.iat).toEqual(expect.any(Number));
    expect(payload.exp).toBeGreaterThan(payload.iat!);
    // §2.4: "A nonce Claim MUST NOT be present".
    expect(payload).not.toHaveProperty('nonce');
    expect(Object.keys(payload.events as object)).toEqual([BACKCHANNEL_LOGOUT_EVENT]);
  });

  it('§2.7: the user is redirected at once while the client\'s endpoint has not answered yet', async () => {
    let release!: () => void;
    const released = new Promise<number>((resolve) => (release = () => resolve(200)));
    receiver.answer('/bc/slow', () => released);
    const rp = await rpFor('slow');
    const { tokens, browser } = await codeFlow(rp, new Browser());
    // Inline sending (oidc-provider's own) would wait for the receiver, which answers nothing until released.
    const redirect = await logout(rp, browser, tokens.id_token!);
    expect(redirect.status).toBe(303);
    expect(receiver.at('/bc/slow').every((received) => received.status === undefined)).toBe(true);
    release();
    const received = await receiver.delivered('/bc/slow');
    expect(decodeJwt(received.token!).aud).toBe('slow.bcl');
  });
});

describe('what logout ends (README "Logout")', () => {
  /** Signs in to keep, revoke and online in one browser session, then logs the whole session out. */
  async function signInThreeAndLogOut() {
    const browser = new Browser();
    const signedIn = {} as Record<'keep' | 'revoke' | 'online', { rp: oidc.Configuration; tokens: Awaited<ReturnType<typeof codeFlow>>['tokens'] }>;
    for (const name of ['keep', 'revoke', 'online'] as const) {
      const rp = await rpFor(name);
      const params: Record<string, string> = name === 'online' ? { scope: 'openid' } : { scope: 'openid offline_access', prompt: 'consent' };
      signedIn[name] = { rp, tokens: (await codeFlow(rp, browser, params)).tokens };
    }
    const redirect = await logout(signedIn.keep.rp, browser, signedIn.keep.tokens.id_token!);
    expect(redirect.status).toBe(303);
    return signedIn;
  }

  const active = async (rp: oidc.Configuration, token: string) => (await oidc.tokenIntrospection(rp, token)).active;

  it('logout.revokeOfflineAccess false (default): the offline grant survives logout, its refresh token and opaque access token still work', async () => {
    const { keep } = await signInThreeAndLogOut();
    expect(keep.tokens.refresh_token).toEqual(expect.any(String));
    expect(await active(keep.rp, keep.tokens.access_token)).toBe(true);
    const refreshed = await oidc.refreshTokenGrant(keep.rp, keep.tokens.refresh_token!);
    expect(await active(keep.rp, refreshed.access_token)).toBe(true);
  });

  it('logout.revokeOfflineAccess true: the offline grant ends with the session; refresh is invalid_grant (RFC 6749 §5.2), introspection inactive (RFC 7662 §2.2)', async () => {
    const { revoke } = await signInThreeAndLogOut();
    expect(revoke.tokens.refresh_token).toEqual(expect.any(String));
    expect(await active(revoke.rp, revoke.tokens.access_token)).toBe(false);
    expect(await active(revoke.rp, revoke.tokens.refresh_token!)).toBe(false);
    expect(await oauthFailure(oidc.refreshTokenGrant(revoke.rp, revoke.tokens.refresh_token!))).toEqual({ status: 400, error: 'invalid_grant', error_description: REFRESH_TOKEN_NOT_RECOGNISED });
  });

  it('a grant without offline_access ends with the session whatever the setting: its access token introspects inactive', async () => {
    const { online } = await signInThreeAndLogOut();
    expect(online.tokens.refresh_token).toBeUndefined();
    expect(await active(online.rp, online.tokens.access_token)).toBe(false);
  });
});

describe('what logout ends for JWT access tokens (README "Logout")', () => {
  /** Code flow for `name` with a JWT access token for NOTES, then RP-initiated logout of the whole session. */
  async function signInAndLogOut(name: string, scope: string) {
    const rp = await rpFor(name);
    const { tokens, browser } = await codeFlow(rp, new Browser(), { scope, prompt: 'consent' });
    expect(decodeProtectedHeader(tokens.access_token).typ).toBe('at+jwt');
    expect(await oidc.tokenIntrospection(rp, tokens.access_token)).toMatchObject({ active: true, aud: NOTES });
    expect((await logout(rp, browser, tokens.id_token!)).status).toBe(303);
    return { rp, tokens };
  }

  it('OIDC RP-Initiated Logout, RFC 7662 §2.2: once logout ends its grant, a JWT access token introspects exactly {"active": false}, though it still verifies offline until it expires', async () => {
    const { rp, tokens } = await signInAndLogOut('jwt', 'openid offline_access notes:read');
    expect(await oauthFailure(oidc.refreshTokenGrant(rp, tokens.refresh_token!))).toMatchObject({ status: 400, error: 'invalid_grant' });
    expect(await oidc.tokenIntrospection(rp, tokens.access_token)).toEqual({ active: false });
    // A signed statement cannot be recalled: a resource server that only checks the signature still accepts it.
    const jwks = createRemoteJWKSet(new URL(rp.serverMetadata().jwks_uri!));
    await expect(jwtVerify(tokens.access_token, jwks, { issuer: handling.issuer, audience: NOTES, typ: 'at+jwt' })).resolves.toBeDefined();
  });

  it('Back-Channel Logout §2.7, RFC 7662 §2.2: a grant without offline_access ends with the session, so its JWT access token introspects {"active": false}', async () => {
    const { rp, tokens } = await signInAndLogOut('jwt-online', 'openid notes:read');
    expect(tokens.refresh_token).toBeUndefined();
    expect(await oidc.tokenIntrospection(rp, tokens.access_token)).toEqual({ active: false });
  });

  it('Back-Channel Logout §2.7, RFC 7662 §2.2: with logout.revokeOfflineAccess false, the offline grant survives, and so do its JWT access tokens at introspection', async () => {
    const { rp, tokens } = await signInAndLogOut('jwt-keep', 'openid offline_access notes:read');
    expect(await oidc.tokenIntrospection(rp, tokens.access_token)).toMatchObject({ active: true, aud: NOTES });
    const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token!);
    expect(await oidc.tokenIntrospection(rp, refreshed.access_token)).toMatchObject({ active: true, aud: NOTES });
  });
});

describe('Back-Channel Logout 1.0 §2.7 across replicas', () => {
  it('§2.7: a token the client refused twice, and whose replica died mid-delivery, is delivered by the other replica, with one jti', async () => {
    let redirected!: () => void;
    const afterRedirect = new Promise<void>((resolve) => (redirected = resolve));
    let handlingExited = false;
    // Once the user has been redirected, the replica that handled the logout dies, its first attempt still under way.
    const handlingGone = afterRedirect.then(async () => {
      const exited = new Promise((resolve) => handling.child.once('exit', resolve));
      handling.child.kill('SIGKILL');
      await exited;
      handlingExited = true;
    });
    const arrivedAfterExit: boolean[] = [];
    receiver.answer('/bc/retry', async (_received, index) => {
      arrivedAfterExit[index] = handlingExited;
      await handlingGone;
      return index < 2 ? 503 : 200;
    });
    const rp = await rpFor('retry');
    const { tokens, browser } = await codeFlow(rp, new Browser());
    expect((await logout(rp, browser, tokens.id_token!)).status).toBe(303);
    redirected();

    await receiver.delivered('/bc/retry');
    const attempts = receiver.at('/bc/retry');
    expect(attempts.map((attempt) => attempt.status)).toEqual([503, 503, 200]);
    // The delivery arrived when the handling replica was gone: the other one sent it.
    expect(arrivedAfterExit[2]).toBe(true);
    // §2.6: one logout, one jti, however many attempts: the receiver can drop repeats.
    expect(new Set(attempts.map((attempt) => decodeJwt(attempt.token!).jti)).size).toBe(1);
    const metrics = await (await fetch(`${other.url}/metrics`)).text();
    expect(metrics).toMatch(/purser_backchannel_logout_total\{outcome="delivered"\} 1\b/);
    // Its second attempt at least was refused (the first, too, if it won the race to the job).
    expect(metrics).toMatch(/purser_backchannel_logout_total\{outcome="retried"\} [12]\b/);
    expect(decodeProtectedHeader(attempts[2]!.token!).typ).toBe('logout+jwt');
  });
});
